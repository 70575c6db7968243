"""Held-out benchmark: real license files that the knowledge base was not built from.

``cases.json`` of the held-out folder (``--heldout``; by default
``/work/cache/license-texts/heldout``, else ``../shared/data/model-licenses-heldout``) lists
real files taken from public repositories (license collections on GitHub such as a Gentoo
overlay's ``licenses/``, ScanCode's LicenseDB copies), each
with the license it is, or ``unknown`` for licenses the knowledge base does not hold. None
of them is a file the fingerprints were computed from (``SOURCE.md`` of every case names
its origin); files that happen to be byte-identical to a knowledge-base text are counted
apart ("same bytes as a KB text"). Every case becomes an ordinary model directory
(``config.json`` of a text-only model, the license files under their own names) and is
checked for the ``commercial-saas`` use. ScanCode toolkit runs over the same directories.

The expected decision for each license (``EXPECTED_SAAS``) was written by reading the
license texts for the commercial-saas profile; the same person wrote the knowledge base's
facts, so the verdict figure measures consistency of identification and evaluation more
than legal correctness.

The set and the expected decisions are fixed before a run; the texts never enter the
repository (``/work/cache/license-texts/make_heldout.py`` rebuilds the folder).

    .venv/bin/python bench/licenses/heldout.py [--heldout DIR]
        [--scancode /tmp/peers-license/bin/scancode]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "licenses"))

from run_bench import SCANCODE_IDS  # noqa: E402

from modelsteward.licenses import PRESETS, check_license  # noqa: E402
from modelsteward.licenses.kb import load_kb  # noqa: E402

_CACHE_HELDOUT = Path("/work/cache/license-texts/heldout")
HELDOUT = (
    _CACHE_HELDOUT
    if _CACHE_HELDOUT.is_dir()
    else ROOT.parent / "shared" / "data" / "model-licenses-heldout"
)
OUT = ROOT / "bench" / "licenses"

# commercial-saas: commercial, 1M MAU, USD 50M revenue, customer-facing, fine-tuned.
EXPECTED_SAAS = {
    "apache-2.0": "allowed",
    "mit": "allowed",
    "apple-ascl": "allowed",
    "tongyi-qianwen": "allowed",
    "openmdw-1.0": "allowed",
    "openmdw-1.1": "allowed",
    "nvidia-open-model-agreement": "allowed",
    "llama2": "conditional",
    "llama3": "conditional",
    "llama3.1": "conditional",
    "llama3.2": "conditional",
    "llama3.3": "conditional",
    "llama4": "conditional",
    "gemma": "conditional",
    "deepseek": "conditional",
    "openrail++": "conditional",
    "creativeml-openrail-m": "conditional",
    "tencent-hunyuan-3d-2.1": "conditional",
    "tencent-hunyuan-3d-2.0": "conditional",
    "qwen": "conditional",
    "bigscience-openrail-m": "conditional",
    "bigscience-bloom-rail-1.0": "conditional",
    "bigcode-openrail-m": "conditional",
    "databricks-open-model-license": "conditional",
    "tii-falcon-2.0": "conditional",
    "falcon-llm-license": "conditional",
    "nvidia-open-model-license": "conditional",
    "glm-4": "conditional",
    "mrl": "needs_separate_license",
    "mnpl": "needs_separate_license",
    "qwen-research": "needs_separate_license",
    "tongyi-qianwen-research": "needs_separate_license",
    "exaone-1.1-nc": "prohibited",
    "microsoft-research-license": "prohibited",
    "llama1": "prohibited",
    "chameleon-research": "prohibited",
    "cohere-c4ai": "prohibited",
    "yi-license": "needs_separate_license",
    "stabilityai-community": "needs_separate_license",
    "sai-nc-community": "prohibited",
    "apple-amlr": "prohibited",
    "unknown": "needs_review",
}
STRICTNESS = ["allowed", "conditional", "needs_separate_license", "prohibited", "needs_review"]
EXTRA_SCANCODE = {
    "apple-sscl": "apple-ascl",
    "tencent-hunyuan-3d-2.0-cla": "tencent-hunyuan-3d-2.0",
    "stability-ai-nc-2023-12-06": "sai-nc-community",
    "exaone-ai-model-1.1-nc": "exaone-1.1-nc",
    "falcon-2-11b-1.0": "tii-falcon-2.0",
    "chameleon-research-2024": "chameleon-research",
    "llama-license-2023": "llama1",
}


def _cases() -> dict[str, dict[str, object]]:
    rows = json.loads((HELDOUT / "cases.json").read_text(encoding="utf-8"))
    cases: dict[str, dict[str, object]] = {}
    for row in rows:
        case = cases.setdefault(row["case"], {"license": row["license"], "files": []})
        files = case["files"]
        assert isinstance(files, list)
        files.append(row["file"])
    return cases


def _build(work: Path, cases: dict[str, dict[str, object]]) -> None:
    for name, case in cases.items():
        model = work / name
        model.mkdir(parents=True)
        (model / "config.json").write_text('{"model_type": "llama"}\n', encoding="utf-8")
        for file in case["files"]:  # type: ignore[union-attr]
            shutil.copyfile(HELDOUT / name / str(file), model / str(file))


def _kb_shas() -> set[str]:
    return {f.sha256 for f in load_kb().fingerprints}


def run_ours(
    work: Path, cases: dict[str, dict[str, object]]
) -> tuple[dict[str, dict[str, object]], float]:
    profile = PRESETS["commercial-saas"]
    out: dict[str, dict[str, object]] = {}
    started = time.perf_counter()
    for name in cases:
        result = check_license(work / name, profile)
        out[name] = {
            "license": result.license_id if result.status.value != "unknown" else "unknown",
            "status": result.status.value,
            "decision": result.decision.value if result.decision else None,
            "closest": result.closest,
            "similarity": result.closest_similarity,
            "differences": len(result.differences),
        }
    return out, time.perf_counter() - started


def run_scancode(binary: str, work: Path) -> tuple[dict[str, list[str]], float]:
    out_json = work.parent / "scancode-heldout.json"
    started = time.perf_counter()
    subprocess.run(
        [binary, "--license", "--json", str(out_json), "-n", "1", "--quiet", str(work)],
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    data = json.loads(out_json.read_text(encoding="utf-8"))
    keys: dict[str, list[str]] = defaultdict(list)
    for entry in data["files"]:
        if entry["type"] != "file" or entry["path"].endswith("config.json"):
            continue
        case = Path(entry["path"]).parts[1]
        for detection in entry.get("license_detections") or []:
            for match in detection.get("matches", []):
                keys[case].append(match["license_expression"])
    return dict(keys), elapsed


def _scancode_id(key: str | None) -> str | None:
    if key is None:
        return None
    return EXTRA_SCANCODE.get(key) or SCANCODE_IDS.get(key) or key


def main() -> None:
    """Run the held-out benchmark and write HELDOUT.md and heldout.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scancode", default=None)
    parser.add_argument("--heldout", type=Path, default=None)
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="re-score heldout.json (ScanCode's answers kept) after a change of key mapping",
    )
    args = parser.parse_args()
    if args.rescore:
        saved = json.loads((OUT / "heldout.json").read_text(encoding="utf-8"))
        for row in saved["rows"]:
            if row["scancode"] is not None:
                first = (row["scancode"] or [None])[0]
                row["scancode_id_right"] = _scancode_id(first) == row["truth"]
        _write(saved["rows"], saved["ours_s"], saved["scancode_s"])
        return
    global HELDOUT
    if args.heldout is not None:
        HELDOUT = args.heldout
    if not (HELDOUT / "cases.json").is_file():
        raise SystemExit(f"held-out set not found at {HELDOUT}")
    cases = _cases()
    shas = _kb_shas()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "models"
        _build(work, cases)
        ours, ours_time = run_ours(work, cases)
        scan: dict[str, list[str]] = {}
        scan_time = None
        if args.scancode:
            scan, scan_time = run_scancode(args.scancode, work)
    rows = []
    for name, case in cases.items():
        truth = str(case["license"])
        same = all(
            hashlib.sha256((HELDOUT / name / str(f)).read_bytes()).hexdigest() in shas
            for f in case["files"]  # type: ignore[union-attr]
        )
        mine = ours[name]
        expected = EXPECTED_SAAS.get(truth)
        decision = mine["decision"]
        false_clearance = (
            expected is not None
            and decision is not None
            and STRICTNESS.index(str(decision)) < STRICTNESS.index(expected)
            and decision != "needs_review"
        )
        first = scan.get(name, [None])[0] if args.scancode else None
        rows.append(
            {
                "case": name,
                "truth": truth,
                "same_bytes_as_kb": same,
                "ours": mine,
                "id_right": mine["license"] == truth,
                "expected_decision": expected,
                "decision_right": decision == expected,
                "false_clearance": false_clearance,
                "unknown_has_closest": truth != "unknown" or bool(mine["closest"]),
                "scancode": scan.get(name, []) if args.scancode else None,
                "scancode_id_right": (_scancode_id(first) == truth) if args.scancode else None,
            }
        )
    _write(rows, ours_time, scan_time)


def _status(row: dict[str, object]) -> str:
    mine = row["ours"]
    assert isinstance(mine, dict)
    return str(mine["status"])


def _rate(rows: list[dict[str, object]], key: str) -> str:
    hits = sum(bool(r[key]) for r in rows)
    return f"{hits}/{len(rows)}"


def _write(rows: list[dict[str, object]], ours_time: float, scan_time: float | None) -> None:
    (OUT / "heldout.json").write_text(
        json.dumps({"rows": rows, "ours_s": ours_time, "scancode_s": scan_time}, indent=1) + "\n",
        encoding="utf-8",
    )
    known = [r for r in rows if r["truth"] != "unknown"]
    unknown = [r for r in rows if r["truth"] == "unknown"]
    fresh = [r for r in known if not r["same_bytes_as_kb"]]
    lines = [
        "# Held-out license files (not in the knowledge base)",
        "",
        "Command: `.venv/bin/python bench/licenses/heldout.py --scancode "
        "/tmp/peers-license/bin/scancode` (ScanCode toolkit 32.5.0 in its own venv).",
        "",
        "| set | cases | ids right | status exact/reformatted | decision right "
        "(commercial-saas) | false clearance | ScanCode ids right |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, subset in (
        ("known licenses, all", known),
        ("known licenses, bytes differ from every KB text", fresh),
        ("licenses not in the KB (expected unknown)", unknown),
    ):
        clean = sum(_status(r) in ("exact", "reformatted") for r in subset)
        scan = (
            _rate(subset, "scancode_id_right")
            if subset and subset[0]["scancode"] is not None
            else "-"
        )
        if subset is unknown and scan != "-":
            scan = "n/a (its own DB names them)"
        lines.append(
            f"| {label} | {len(subset)} | {_rate(subset, 'id_right')} | {clean}/{len(subset)} | "
            f"{_rate(subset, 'decision_right')} | {_rate(subset, 'false_clearance')} | {scan} |"
        )
    lines += [
        "",
        f"modelsteward: {ours_time:.2f} s for {len(rows)} model directories (one process)."
        + (f" ScanCode: {scan_time:.1f} s." if scan_time is not None else ""),
        "",
        "| case | truth | ours: id | status | decision | expected | closest (similarity) | "
        "ScanCode |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mine = r["ours"]
        assert isinstance(mine, dict)
        closest = f"{mine['closest']} ({mine['similarity']})" if mine["similarity"] else "-"
        scan = ", ".join(dict.fromkeys(r["scancode"] or [])) if r["scancode"] is not None else "-"  # type: ignore[arg-type]
        lines.append(
            f"| {r['case']} | {r['truth']} | {mine['license']} | {mine['status']} | "
            f"{mine['decision']} | {r['expected_decision']} | {closest} | {scan[:80]} |"
        )
    (OUT / "HELDOUT.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:12]))


if __name__ == "__main__":
    main()
