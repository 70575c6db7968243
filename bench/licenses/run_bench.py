"""License identification benchmark: modelsteward side by side with ScanCode toolkit.

Builds perturbed copies of every text in ../shared/data/model-licenses and, where present,
of the texts gathered into /work/cache/license-texts/kb (exact, CRLF,
re-wrapped, markdown, a changed number, a deleted line, an inserted clause, truncated),
runs both tools, and writes accuracy per license and per perturbation, plus timings
(whole corpus from a cold start; a batch of model directories on one core), to
bench/licenses/RESULTS.md and results.json.

    .venv/bin/python bench/licenses/run_bench.py --scancode /tmp/peers-license/bin/scancode
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from modelsteward.licenses.normalize import NUMBERING

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "data" / "model-licenses"
CACHE_CORPUS = Path("/work/cache/license-texts/kb")
ROLES = {"LICENSE.txt": "license", "USE_POLICY.md": "policy", "PROHIBITED_USE_POLICY.md": "policy"}
EDITS = ("number", "deleted", "inserted", "truncated")
CLEAN = {
    "exact": "exact",
    "crlf": "reformatted",
    "rewrap": "reformatted",
    "markdown": "reformatted",
}
EXPECTED = {
    **CLEAN,
    "number": "modified",
    "deleted": "modified",
    "inserted": "modified",
    "truncated": "truncated",
}

# ScanCode LicenseDB keys -> Hub ids (license or its use policy).
SCANCODE_IDS = {
    "apache-2.0": "apache-2.0",
    "mit": "mit",
    "cc-by-4.0": "cc-by-4.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "cc-by-nc-4.0": "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0": "cc-by-nc-sa-4.0",
    "bigcode-open-rail-m-v1": "bigcode-openrail-m",
    "bigscience-rail-1.0": "bigscience-bloom-rail-1.0",
    "bigscience-open-rail-m": "bigscience-openrail-m",
    "bigscience-open-rail-m2": "openrail++",
    "stable-diffusion-2022-08-22": "creativeml-openrail-m",
    "deepseek-la-1.0": "deepseek",
    "gemma-tou-2024-04-01": "gemma",
    "gemma-tou-2025-03-24": "gemma",
    "gemma-pup-2024-02-21": "gemma",
    "llama-2-license-2023": "llama2",
    "llama-license-2023": "llama2",
    "llama-3-license-2024": "llama3",
    "llama-3.1-license-2024": "llama3.1",
    "llama-3.2-license-2024": "llama3.2",
    "llama-3.3-license-2024": "llama3.3",
    "llama-4-cla-2025": "llama4",
    "llama-4-license-2025": "llama4",
    "nvidia-open-model-2025-04-28": "nvidia-open-model-license",
    "openmdw-1.0": "openmdw-1.0",
    "openmdw-1.1": "openmdw-1.1",
    "qwen-2024": "qwen",
    "stability-ai-community-2024": "stabilityai-community",
    "stability-ai-nc-2023-12-06": "sai-nc-community",
    "tongyi-qianwen-2023": "tongyi-qianwen",
}
NUMBERS = [
    ("700 million", "7 billion"),
    ("100 million", "1 billion"),
    ("$1,000,000", "$10,000,000"),
]


def _documents() -> list[tuple[str, str, Path, str]]:
    """(license id, role, path, tag naming the document) for every fingerprinted text."""
    docs = [
        (d.name, ROLES[p.name], p, ROLES[p.name])
        for d in sorted(CORPUS.iterdir())
        for p in sorted(d.iterdir())
        if p.name in ROLES
    ]
    if CACHE_CORPUS.is_dir():
        for d in sorted(CACHE_CORPUS.iterdir()):
            for p in sorted(d.iterdir()):
                if p.name == "SOURCE.md":
                    continue
                role = "policy" if "POLICY" in p.name.upper() else "license"
                docs.append((d.name, role, p, f"{role}-{p.stem.lower()}"))
    return docs


def _rewrap(text: str) -> str:
    return "\n\n".join(
        textwrap.fill(" ".join(p.split()), 64, break_long_words=False, break_on_hyphens=False)
        for p in re.split(r"\n\s*\n", text)
    )


def _number(text: str) -> str:
    for old, new in NUMBERS:
        if old in text:
            return text.replace(old, new, 1)
    # A number inside a sentence: heading and list numbers at a line start are numbering,
    # which copies change freely (reformatting, not an edit).
    matches = [
        m
        for m in re.finditer(r"\b\d+\b", text)
        if "copyright" not in text[text.rfind("\n", 0, m.start()) + 1 : m.start()].lower()
        and not NUMBERING.match(text[text.rfind("\n", 0, m.start()) + 1 : m.end() + 1])
    ]
    if matches:
        m = matches[len(matches) // 2]
        return text[: m.start()] + str(int(m.group()) + 1) + text[m.end() :]
    m = next(iter(re.finditer(r"\b(shall|must|may)\b", text)), None)
    if m is not None:
        return text[: m.start()] + "may not" + text[m.end() :]
    # A policy of bare list items: drop its first "not" (a prohibition becomes a permission).
    m = next(iter(re.finditer(r"\bnot\b", text)))
    return text[: m.start()] + text[m.end() + 1 :]


def _deleted(text: str) -> str:
    lines = text.splitlines(keepends=True)
    victim = next(i for i in range(len(lines) // 2, len(lines)) if len(lines[i].split()) >= 4)
    return "".join(lines[:victim] + lines[victim + 1 :])


def _inserted(text: str) -> str:
    cut = text.find("\n", len(text) // 2)
    return text[:cut] + "\nThis license does not permit any commercial use.\n" + text[cut:]


def variants(text: str) -> dict[str, str]:
    """Every perturbation of one text."""
    return {
        "exact": text,
        "crlf": text.replace("\n", "\r\n"),
        "rewrap": _rewrap(text),
        "markdown": "# License\n\n" + text.replace("\n\n", "\n\n---\n\n", 3),
        "number": _number(text),
        "deleted": _deleted(text),
        "inserted": _inserted(text),
        "truncated": text[: text.rfind(" ", 0, int(len(text) * 0.6))],
    }


def build_corpus(work: Path) -> list[dict[str, str]]:
    """Write the perturbed corpus; return the ground truth per file."""
    out = work / "corpus"
    out.mkdir()
    truth = []
    for license_id, role, path, tag in _documents():
        for name, text in variants(path.read_text(encoding="utf-8")).items():
            file = out / f"{license_id}--{tag}--{name}.txt"
            file.write_bytes(path.read_bytes() if name == "exact" else text.encode("utf-8"))
            truth.append({"file": file.name, "license": license_id, "role": role, "variant": name})
    return truth


def run_ours(work: Path, truth: list[dict[str, str]]) -> tuple[dict[str, dict[str, object]], float]:
    sys.path.insert(0, str(ROOT / "src"))
    from modelsteward.licenses import identify_text

    out: dict[str, dict[str, object]] = {}
    started = time.perf_counter()
    for row in truth:
        raw = (work / "corpus" / row["file"]).read_bytes()
        import hashlib

        ident = identify_text(raw.decode("utf-8"), sha256=hashlib.sha256(raw).hexdigest())
        first = ident.matches[0] if ident.matches else None
        out[row["file"]] = {
            "license": first.license if first else None,
            "status": first.status.value if first else "unknown",
        }
    return out, time.perf_counter() - started


def cold_start() -> dict[str, float]:
    """Identify the whole (exact) corpus in a fresh interpreter; wall time incl. start-up."""
    code = (
        "import sys,time,hashlib;t=time.perf_counter();"
        f"sys.path.insert(0,{str(ROOT / 'src')!r});"
        "from modelsteward.licenses import identify_text;from pathlib import Path;"
        f"fs=[p for c in {[str(CORPUS), str(CACHE_CORPUS)]!r} if Path(c).is_dir()"
        " for d in sorted(Path(c).iterdir()) for p in sorted(d.iterdir())"
        " if p.name!='SOURCE.md'];"
        "r=[identify_text(p.read_text('utf-8'),sha256=hashlib.sha256(p.read_bytes()).hexdigest())"
        " for p in fs];print(len(fs),time.perf_counter()-t)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    files, inside = result.stdout.split()
    return {"files": int(files), "in_process_s": float(inside), "wall_s": wall}


def run_scancode(binary: str, work: Path) -> tuple[dict[str, dict[str, object]], float]:
    out_json = work / "scancode.json"
    started = time.perf_counter()
    subprocess.run(
        [binary, "--license", "--json", str(out_json), "-n", "1", "--quiet", str(work / "corpus")],
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    data = json.loads(out_json.read_text(encoding="utf-8"))
    out: dict[str, dict[str, object]] = {}
    for entry in data["files"]:
        if entry["type"] != "file":
            continue
        detections = entry.get("license_detections") or []
        matches = [m for d in detections for m in d.get("matches", [])]
        keys = [m["license_expression"] for m in matches]
        first = keys[0] if keys else None
        imperfect = any(m["score"] < 100 or m["match_coverage"] < 100 for m in matches)
        logged = any(d.get("detection_log") for d in detections)
        others = len(set(keys)) > 1
        out[Path(entry["path"]).name] = {
            "min_score": min((float(m["score"]) for m in matches), default=0.0),
            "license": SCANCODE_IDS.get(first or "", first),
            "flagged": imperfect or logged or others or not matches,
            "expression": entry.get("detected_license_expression"),
        }
    return out, elapsed


def batch(work: Path, count: int) -> dict[str, float]:
    """check_license over ``count`` model directories, on one core."""
    sys.path.insert(0, str(ROOT / "src"))
    from modelsteward.licenses import PRESETS, check_license

    rng = random.Random(7)
    docs = [(lic, p) for lic, role, p, _ in _documents() if role == "license"]
    texts = {lic: p.read_text(encoding="utf-8") for lic, p in docs}
    root = work / "batch"
    for i in range(count):
        lic = docs[i % len(docs)][0]
        model = root / f"m{i:05d}"
        model.mkdir(parents=True)
        card = f"---\nlicense: {lic}\nbase_model: meta-llama/Meta-Llama-3-8B\n---\n# m{i}\n"
        (model / "README.md").write_text(card, encoding="utf-8")
        text = texts[lic] if rng.random() < 0.8 else _number(texts[lic])
        (model / "LICENSE").write_text(text, encoding="utf-8")
        (model / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    started, cpu = time.perf_counter(), time.process_time()
    for model in sorted(root.iterdir()):
        check_license(model, PRESETS["commercial-saas"])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "dirs": count,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "per_dir_ms": 1000 * elapsed / count,
        "modified_share": 0.2,
    }


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total}" if total else "-"


def score(
    truth: list[dict[str, str]],
    ours: dict[str, dict[str, object]],
    peer: dict[str, dict[str, object]] | None,
) -> dict[str, list[list[str]]]:
    """Tables per license and per perturbation."""
    rows: list[dict[str, object]] = []
    for row in truth:
        mine = ours[row["file"]]
        theirs = (peer or {}).get(row["file"], {})
        edit = row["variant"] in EDITS
        rows.append(
            {
                **row,
                "edit": edit,
                "ours_id": mine["license"] == row["license"],
                "ours_status": mine["status"] == EXPECTED[row["variant"]],
                "ours_flag": mine["status"] in ("modified", "truncated", "unknown"),
                "sc_id": theirs.get("license") == row["license"],
                "sc_flag": bool(theirs.get("flagged")),
                # An edit reported as a >= 99% match reads as "this is the license" to a user.
                "sc_hidden": edit and float(str(theirs.get("min_score", 0.0))) >= 99.0,
            }
        )

    def row(name: str, items: list[dict[str, object]]) -> list[str]:
        edits = [r for r in items if r["edit"]]
        clean = [r for r in items if not r["edit"]]

        def rate(key: str, group: list[dict[str, object]], theirs: bool = False) -> str:
            if theirs and not peer:
                return "-"
            return _rate(sum(bool(r[key]) for r in group), len(group))

        return [
            name,
            rate("ours_id", items),
            rate("ours_status", items),
            rate("ours_flag", edits),
            rate("ours_flag", clean),
            rate("sc_id", items, True),
            rate("sc_flag", edits, True),
            rate("sc_flag", clean, True),
            rate("sc_hidden", edits, True),
        ]

    def table(key: str) -> list[list[str]]:
        groups: dict[str, list[dict[str, object]]] = defaultdict(list)
        for r in rows:
            groups[str(r[key])].append(r)
        return [*(row(name, items) for name, items in groups.items()), row("**all**", rows)]

    return {"license": table("license"), "variant": table("variant")}


HEAD = [
    "id right",
    "status right",
    "edits flagged",
    "false alarms",
    "ScanCode id right",
    "ScanCode edits below 100%",
    "ScanCode clean below 100%",
    "ScanCode edits at >= 99%",
]


def _md(title: str, first: str, rows: list[list[str]]) -> str:
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join([first, *HEAD]) + " |",
        "|" + "---|" * (len(HEAD) + 1),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and write RESULTS.md and results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scancode", default=None, help="path to the scancode executable")
    parser.add_argument("--dirs", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="license-bench-"))
    try:
        truth = build_corpus(work)
        cold = cold_start()
        ours, ours_s = run_ours(work, truth)
        peer, peer_s = run_scancode(args.scancode, work) if args.scancode else (None, 0.0)
        tables = score(truth, ours, peer)
        mistakes = [
            {"file": r["file"], "scancode": (peer or {}).get(r["file"], {}).get("expression")}
            for r in truth
            if r["variant"] == "exact"
            and peer
            and (peer.get(r["file"], {}).get("license") != r["license"])
        ]
        big = batch(work, args.dirs) if args.dirs else {}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_file = {"truth": truth, "ours": ours, "scancode": peer}
    (args.out / "per_file.json").write_text(json.dumps(per_file, indent=1), encoding="utf-8")
    results = {
        "files": len(truth),
        "cold_start": cold,
        "ours_seconds": ours_s,
        "scancode_seconds": peer_s,
        "batch": big,
        "tables": tables,
        "scancode_wrong_on_exact": mistakes,
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if k != "tables"}, indent=2))
    print(_md("Per perturbation", "perturbation", tables["variant"]))
    print(_md("Per license", "license", tables["license"]))


if __name__ == "__main__":
    main()
