"""Benchmark: index the shared OSV snapshot, match a 300-package environment and a
10,000-package inventory, and compare findings and time with pysentry-rs pointed at the
same snapshot served by a loopback OSV API.

    .venv/bin/python bench/vulns/bench_vulns.py --pysentry /tmp/peers-vulns/bin/pysentry-rs
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

from modelsteward.vulns import AdvisoryDatabase, build_index, load_inventory, match_packages
from modelsteward.vulns.osv import normalize_name
from modelsteward.vulns.ranges import parse_version

sys.path.insert(0, str(Path(__file__).resolve().parent))
from osv_api import serve_osv_api

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO.parent / "shared/data/advisories/osv-scanner-localdb/osv-scanner/PyPI/all.zip"
AI_INDEX = REPO.parent / "shared/data/advisories/ai-infra-index.tsv"
TODAY = date(2026, 11, 27)


def candidate_versions(snapshot: Path) -> dict[str, list[str]]:
    """Per package, the PEP 440 versions its advisories mention (bounds of ranges)."""
    out: dict[str, set[str]] = {}
    with zipfile.ZipFile(snapshot) as archive:
        for name in archive.namelist():
            record = json.loads(archive.read(name))
            for affected in record.get("affected", []):
                pkg = affected["package"]["name"]
                for rng in affected.get("ranges", []):
                    if rng["type"] != "ECOSYSTEM":
                        continue
                    for event in rng["events"]:
                        for value in event.values():
                            if value != "0" and parse_version(value) is not None:
                                out.setdefault(pkg, set()).add(value)
    return {k: sorted(v) for k, v in out.items() if v}


def write_inventory(path: Path, pins: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{n}=={v}\n" for n, v in pins), encoding="utf-8")
    return path


def inventories(work: Path, versions: dict[str, list[str]]) -> dict[str, Path]:
    rng = random.Random(0)
    ai = sorted({line.split("\t", 1)[0] for line in AI_INDEX.read_text().splitlines()[1:]})
    names = sorted(versions)
    rng.shuffle(names)
    first = [n for n in ai if n in versions] + [n for n in names if n not in ai]
    env = [(n, rng.choice(versions[n])) for n in first[:300]]
    everything = [(n, rng.choice(versions[n])) for n in sorted(versions)]
    clean = [(f"internal-lib-{i:05d}", f"1.{i % 50}.0") for i in range(10_000 - len(everything))]
    return {
        "env-300": write_inventory(work / "env-300.txt", env),
        "inventory-10k": write_inventory(work / "inventory-10k.txt", everything + clean),
    }


def time_index(snapshot: Path, work: Path, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        build_index(snapshot, work / f"db{i}")
        times.append(time.perf_counter() - started)
    return times


Group = tuple[str, frozenset[str]]


def ours(db_path: Path, inventory: Path, runs: int) -> tuple[list[float], list[Group]]:
    """Times of open + read inventory + match, and each finding as (package, all its ids)."""
    times = []
    groups: list[Group] = []
    for _ in range(runs):
        started = time.perf_counter()
        with AdvisoryDatabase.open(db_path) as db:
            result = match_packages(load_inventory(inventory), db, today=TODAY)
        times.append(time.perf_counter() - started)
        groups = [(normalize_name(v.package), frozenset(v.ids)) for v in result.vulnerabilities]
        groups += [
            (normalize_name(f.location.package or ""), frozenset(f.refs))
            for f in result.report.findings
            if f.rule_id == "vuln.osv.ambiguous"
        ]
    return times, groups


def pysentry(
    binary: str, url: str, inventory: Path, work: Path, runs: int
) -> tuple[list[float], set[tuple[str, str]]]:
    config = work / "pysentry.toml"
    config.write_text(
        "version = 1\n[notifications]\nenabled = false\n[maintenance]\nenabled = false\n"
        "[http]\nmax_retries = 0\n",
        encoding="utf-8",
    )
    argv = [
        binary,
        str(work),
        "--config",
        str(config),
        "--sources",
        "osv",
        "--service-url",
        url,
        "--no-resolver",
        "--no-cache",
        "--no-maintenance-check",
        "--format",
        "json",
        "--requirements-files",
        str(inventory),
        "--fail-on",
        "critical",
        "--color",
        "never",
    ]
    times = []
    out = ""
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
        times.append(time.perf_counter() - started)
        out = proc.stdout
    body = json.JSONDecoder().raw_decode(out)[0]
    found = {(normalize_name(v["package_name"]), v["id"]) for v in body["vulnerabilities"]}
    return times, found


def compare(groups: list[Group], theirs: set[tuple[str, str]]) -> tuple[int, list, list]:
    """(pysentry findings inside one of our groups, pysentry-only, our groups pysentry lacks)."""
    ids = {(pkg, i) for pkg, group in groups for i in group}
    theirs_only = sorted(p for p in theirs if p not in ids)
    ours_only = sorted(
        (pkg, min(group)) for pkg, group in groups if not any((pkg, i) in theirs for i in group)
    )
    return len(theirs) - len(theirs_only), theirs_only, ours_only


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--pysentry", default="")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        index_times = time_index(args.snapshot, work, args.runs)
        print(
            f"index {args.snapshot.name}: best {min(index_times):.2f} s, "
            f"median {statistics.median(index_times):.2f} s over {args.runs} runs"
        )
        invs = inventories(work, candidate_versions(args.snapshot))
        rows = []
        with serve_osv_api(args.snapshot) as url:
            for label, path in invs.items():
                t_ours, groups = ours(work / "db0", path, args.runs)
                row = [
                    label,
                    f"{statistics.median(t_ours):.3f}",
                    f"{max(t_ours):.3f}",
                    str(len(groups)),
                ]
                if args.pysentry:
                    t_ps, f_ps = pysentry(args.pysentry, url, path, work, args.runs)
                    both, theirs_only, ours_only = compare(groups, f_ps)
                    row += [
                        f"{statistics.median(t_ps):.3f}",
                        str(len(f_ps)),
                        str(both),
                        str(len(theirs_only)),
                        str(len(ours_only)),
                    ]
                    for name, items in (("pysentry only", theirs_only), ("ours only", ours_only)):
                        if items:
                            print(f"{label}: {name} ({len(items)}): {items[:12]}")
                rows.append(row)
        print(
            "| inventory | ours median s | ours worst s | ours findings (groups) "
            "| pysentry-rs median s | pysentry findings | in one of ours | pysentry-only "
            "| ours-only |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
