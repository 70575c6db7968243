"""Software-stack license benchmark: modelsteward side by side with pip-licenses and liccheck.

Over a real virtual environment (by default the one ScanCode toolkit, pip-licenses and
liccheck are installed in, /tmp/peers-license: about 80 packages with every kind of
metadata, including GPL, LGPL and mixed expressions; ``--env`` adds more):

- *declares*: packages whose metadata declares a license in any form (PEP 639
  ``License-Expression``, ``License``, ``License ::`` classifiers), read from METADATA;
- *found*: packages each tool reports a license for (pip-licenses: not ``UNKNOWN``;
  liccheck: a license string; modelsteward: an SPDX expression);
- *SPDX*: reported as a valid SPDX expression (checked with license-expression);
- *copyleft flagged*: packages under GPL, LGPL or AGPL (by their declared metadata, read by
  hand from the table) that the tool flags for a redistributed product (modelsteward:
  ``license.stack.copyleft-distribution`` or ``weak-copyleft``; liccheck: unauthorized with a
  strategy that lists the copyleft spellings; pip-licenses has no judgement).

    .venv/bin/python bench/licenses/stack_bench.py [--env /tmp/peers-license]
        [--env .venv]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from modelsteward.licenses import PRESETS  # noqa: E402
from modelsteward.licenses.stack import check_stack, normalize_expression  # noqa: E402
from modelsteward.licenses.stack_sources import canonical, read_environment  # noqa: E402

PEERS = Path("/tmp/peers-license")
OUT = ROOT / "bench" / "licenses"
COPYLEFT = re.compile(r"\b(A?GPL|LGPL|GNU (Affero |Lesser |Library )?General Public)", re.I)
STRATEGY = """[Licenses]
authorized_licenses:
    mit
    mit license
    bsd
    bsd license
    bsd-2-clause
    bsd-3-clause
    apache
    apache 2.0
    apache-2.0
    apache-2
    apache software license
    apache software
    isc
    isc license (iscl)
    psf-2.0
    python software foundation license
    mpl-2.0
    mozilla public license 2.0 (mpl 2.0)
    zpl-2.1
unauthorized_licenses:
    gpl
    gpl-2.0-only
    gpl-2.0-or-later
    gpl-3.0-only
    gpl-3.0-or-later
    gnu general public license (gpl)
    gnu general public license v2 (gplv2)
    gnu general public license v2 or later (gplv2+)
    gnu general public license v3 (gplv3)
    gnu general public license v3 or later (gplv3+)
    agpl-3.0-only
    agpl-3.0-or-later
    gnu affero general public license v3
    lgpl-2.1-only
    lgpl-2.1-or-later
    lgpl-3.0-only
    lgpl-3.0-or-later
    gnu lesser general public license v3 or later (lgplv3+)
    gnu lesser general public license v2 or later (lgplv2+)
    gnu library or lesser general public license (lgpl)
"""


def _ours(env: Path) -> tuple[dict[str, dict[str, object]], float]:
    started = time.perf_counter()
    metas, _ = read_environment(env)
    result = check_stack([], metas, use=PRESETS["redistribution"])
    elapsed = time.perf_counter() - started
    declared = {canonical(m.name): m for m in metas}
    out: dict[str, dict[str, object]] = {}
    for pkg in result.packages:
        meta = declared[canonical(pkg.name)]
        out[canonical(pkg.name)] = {
            "expression": pkg.expression,
            "flags": list(pkg.flags),
            "declares": bool(
                meta.expression
                or (meta.license and meta.license.strip().upper() not in {"UNKNOWN", "NONE"})
                or meta.classifiers
            ),
            "copyleft_declared": bool(
                COPYLEFT.search(
                    " ".join([meta.expression or "", meta.license or "", *meta.classifiers])
                )
            ),
        }
    return out, elapsed


def _pip_licenses(env: Path) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(PEERS / "bin" / "pip-licenses"),
            "--python",
            str(env / "bin" / "python"),
            "--from=mixed",
            "--format=json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    return {canonical(r["Name"]): r["License"] for r in json.loads(done.stdout)}, elapsed


def _liccheck(env: Path) -> tuple[dict[str, tuple[str, list[str]]], float] | None:
    binary = env / "bin" / "liccheck"
    if not binary.is_file():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        freeze = subprocess.run(
            [str(env / "bin" / "python"), "-m", "pip", "freeze"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # liccheck's resolver fails on names with dots (pdfminer.six): give PEP 503 names.
        lines = [
            canonical(line.split("==")[0]) + "==" + line.split("==")[1]
            for line in freeze.splitlines()
            if "==" in line
        ]
        req = Path(tmp) / "requirements.txt"
        req.write_text("\n".join(lines) + "\n", encoding="utf-8")
        strategy = Path(tmp) / "strategy.ini"
        strategy.write_text(STRATEGY, encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(
            [str(binary), "-s", str(strategy), "-r", str(req), "-l", "PARANOID", "--no-deps"],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
    out: dict[str, tuple[str, list[str]]] = {}
    section = ""
    authorized = 0
    for line in done.stdout.splitlines():
        if line.startswith("check "):
            section = line.split()[1]
            continue
        if section == "authorized" and re.match(r"\d+ packages\.", line):
            authorized = int(line.split()[0])
        m = re.match(r"\s{4}(\S+) \([^)]*\): (\[.*\])", line)
        if m:
            out[canonical(m.group(1))] = (section, json.loads(m.group(2).replace("'", '"')))
    # liccheck lists only the packages it did not authorize; the others are counted.
    out["__authorized__"] = ("authorized", [str(authorized)])
    return out, elapsed


def run(env: Path) -> dict[str, object]:
    """Compare the three tools over one environment."""
    ours, ours_s = _ours(env)
    pipl, pipl_s = _pip_licenses(env)
    lic = _liccheck(env)
    names = sorted(ours)
    declaring = [n for n in names if ours[n]["declares"]]
    copyleft = [n for n in names if ours[n]["copyleft_declared"]]
    row: dict[str, object] = {
        "env": str(env),
        "packages": len(names),
        "declares": len(declaring),
        "ours_found": sum(bool(ours[n]["expression"]) for n in declaring),
        "ours_found_all": sum(bool(ours[n]["expression"]) for n in names),
        "ours_spdx": sum(
            bool(ours[n]["expression"] and normalize_expression(str(ours[n]["expression"])))
            for n in names
        ),
        "ours_s": ours_s,
        "pip_found": sum(pipl.get(n, "UNKNOWN") != "UNKNOWN" for n in declaring),
        "pip_found_all": sum(pipl.get(n, "UNKNOWN") != "UNKNOWN" for n in names),
        "pip_spdx": sum(bool(normalize_expression(pipl.get(n, ""))) for n in names),
        "pip_s": pipl_s,
        "copyleft": copyleft,
        "ours_copyleft_flagged": [
            n
            for n in copyleft
            if {"license.stack.copyleft-distribution", "license.stack.weak-copyleft"}
            & set(ours[n]["flags"])  # type: ignore[arg-type]
        ],
        "ours_missing": [n for n in declaring if not ours[n]["expression"]],
        "pip_missing": [n for n in declaring if pipl.get(n, "UNKNOWN") == "UNKNOWN"],
        "detail": {n: {"ours": ours[n]["expression"], "pip-licenses": pipl.get(n)} for n in names},
    }
    if lic is not None:
        checked, lic_s = lic
        row["liccheck_s"] = lic_s
        listed = sum(bool(checked.get(n, ("", []))[1]) for n in declaring)
        row["liccheck_found"] = listed + int(checked["__authorized__"][1][0])
        row["liccheck_copyleft_flagged"] = [
            n for n in copyleft if checked.get(n, ("", []))[0] == "unauthorized"
        ]
        row["liccheck_unknown"] = sum(checked.get(n, ("", []))[0] == "unknown" for n in names)
        for n in names:
            row["detail"][n]["liccheck"] = checked.get(n)  # type: ignore[index]
    return row


def main() -> None:
    """Run over every --env and write stack.json and STACK.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", type=Path, action="append")
    args = parser.parse_args()
    envs = args.env or [PEERS]
    rows = [run(env) for env in envs]
    (OUT / "stack.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# Software-stack licenses: modelsteward vs pip-licenses 5.5 and liccheck 0.9",
        "",
        "| environment | packages | declare a license | found: modelsteward | pip-licenses | "
        "liccheck | valid SPDX: modelsteward | pip-licenses | copyleft declared | flagged: "
        "modelsteward | liccheck | time: modelsteward | pip-licenses | liccheck |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d = r["declares"]
        n = r["packages"]
        copyleft = r["copyleft"]
        assert isinstance(copyleft, list)
        lic_found = f"{r['liccheck_found']}/{d}" if "liccheck_found" in r else "-"
        lic_flag = (
            f"{len(r['liccheck_copyleft_flagged'])}/{len(copyleft)}"  # type: ignore[arg-type]
            if "liccheck_copyleft_flagged" in r
            else "-"
        )
        lic_s = f"{r['liccheck_s']:.1f} s" if "liccheck_s" in r else "-"
        lines.append(
            f"| {r['env']} | {n} | {d} | {r['ours_found']}/{d} | {r['pip_found']}/{d} | "
            f"{lic_found} | {r['ours_spdx']}/{n} | {r['pip_spdx']}/{n} | {len(copyleft)} | "
            f"{len(r['ours_copyleft_flagged'])}/{len(copyleft)} | {lic_flag} | "  # type: ignore[arg-type]
            f"{r['ours_s']:.2f} s | {r['pip_s']:.1f} s | {lic_s} |"
        )
    (OUT / "STACK.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    for r in rows:
        print(r["env"], "ours missing:", r["ours_missing"], "pip missing:", r["pip_missing"])
        print("copyleft:", r["copyleft"], "ours flagged:", r["ours_copyleft_flagged"])


if __name__ == "__main__":
    main()
