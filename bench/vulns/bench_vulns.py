"""Benchmark: index the shared OSV snapshot, match a 300-package environment and a
10,000-package inventory, and compare findings and time with pysentry-rs pointed at the
same snapshot served by a loopback OSV API.

    .venv/bin/python bench/vulns/bench_vulns.py --pysentry /tmp/peers-vulns/bin/pysentry-rs
"""

from __future__ import annotations

import argparse
import json
import os
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
    typical = env[:30] + [(f"internal-lib-{i:05d}", "1.0.0") for i in range(270)]
    everything = [(n, rng.choice(versions[n])) for n in sorted(versions)]
    clean = [(f"internal-lib-{i:05d}", f"1.{i % 50}.0") for i in range(10_000 - len(everything))]
    return {
        "env-300 (all with advisories)": write_inventory(work / "env-300.txt", env),
        "env-300 (30 with advisories)": write_inventory(work / "env-300-typical.txt", typical),
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


def ours(
    db_path: Path, inventory: Path, runs: int
) -> tuple[list[float], list[float], list[Group], list[Group]]:
    """Wall and CPU times of open + read inventory + match (cold: a fresh database handle
    each run), the affected groups and the ambiguous groups as (package, all ids)."""
    times, cpu = [], []
    groups: list[Group] = []
    ambiguous: list[Group] = []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        with AdvisoryDatabase.open(db_path) as db:
            result = match_packages(load_inventory(inventory), db, today=TODAY)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        groups = [(normalize_name(v.package), frozenset(v.ids)) for v in result.vulnerabilities]
        ambiguous = [
            (normalize_name(f.location.package or ""), frozenset(f.refs))
            for f in result.report.findings
            if f.rule_id == "vuln.osv.ambiguous"
        ]
    return times, cpu, groups, ambiguous


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


def _missing(groups: list[Group], theirs: set[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(
        (pkg, min(group)) for pkg, group in groups if not any((pkg, i) in theirs for i in group)
    )


def _inside(groups: list[Group], theirs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    ids = {(pkg, i) for pkg, group in groups for i in group}
    return {p for p in theirs if p in ids}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--pysentry", default="")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cpu_started = time.process_time()
        index_times = time_index(args.snapshot, work, args.runs)
        index_cpu = (time.process_time() - cpu_started) / args.runs
        print(
            f"index {args.snapshot.name}: best {min(index_times):.2f} s, "
            f"median {statistics.median(index_times):.2f} s wall over {args.runs} runs, "
            f"{index_cpu:.2f} s CPU per run"
        )
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average: {load} on {os.cpu_count()} CPUs")
        invs = inventories(work, candidate_versions(args.snapshot))
        rows = []
        with serve_osv_api(args.snapshot) as url:
            for label, path in invs.items():
                t_ours, c_ours, groups, ambiguous = ours(work / "db0", path, args.runs)
                row = [
                    label,
                    f"{statistics.median(t_ours):.3f}",
                    f"{statistics.median(c_ours):.3f}",
                    f"{len(groups)} + {len(ambiguous)}",
                ]
                if args.pysentry:
                    t_ps, f_ps = pysentry(args.pysentry, url, path, work, args.runs)
                    same = _inside(groups, f_ps)
                    on_ambiguous = _inside(ambiguous, f_ps) - same
                    extra = sorted(f_ps - same - on_ambiguous)
                    missed = _missing(groups, f_ps)
                    row += [
                        f"{statistics.median(t_ps):.3f}",
                        str(len(f_ps)),
                        str(len(same)),
                        str(len(on_ambiguous)),
                        str(len(extra)),
                        str(len(missed)),
                    ]
                    for name, items in (
                        ("pysentry only", extra),
                        ("affected, not in pysentry", missed),
                    ):
                        if items:
                            print(f"{label}: {name} ({len(items)}): {items[:12]}")
                rows.append(row)
        print(
            "| inventory | ours wall s (median) | ours CPU s | ours affected + ambiguous "
            "| pysentry-rs wall s (median) | pysentry findings | = our affected "
            "| = our ambiguous | pysentry-only | our affected missing in pysentry |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
