"""Turn bench.sh's JSON lines into the RESULTS.md tables (medians over repeats).

Usage: python summarize.py results.jsonl
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from typing import Any

TARGETS = ("litellm", "litellm+guard", "modelsteward", "modelsteward+guard")


def _median(rows: list[dict[str, Any]], metric: str, pct: str) -> float | None:
    values = [r[metric][pct] for r in rows if r[metric][pct] is not None]
    return round(statistics.median(values), 2) if values else None


def main() -> None:
    runs: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    with open(sys.argv[1], encoding="utf-8") as fh:
        lines = fh.readlines()
    for line in lines:
        row = json.loads(line)
        if "label" not in row:
            print(f"<!-- {line.strip()} -->")
            continue
        target, scenario, conc, _ = row["label"].split("|")
        runs[(scenario, target, int(conc))].append(row)
    print(
        "| scenario | conc | target | p50 ms | p99 ms | added p50 | added p99 | TTFT p50 | "
        "added TTFT p50 | RPS | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in ("fast", "fast-sse", "slow-sse"):
        for conc in (1, 4):
            direct = runs.get((scenario, "direct", conc))
            if not direct:
                continue
            d50, d99 = _median(direct, "total_ms", "p50"), _median(direct, "total_ms", "p99")
            dt = _median(direct, "ttft_ms", "p50")
            print(
                f"| {scenario} | {conc} | direct | {d50} | {d99} | | | {dt} | | "
                f"{statistics.median(r['rps'] for r in direct)} | "
                f"{sum(r['errors'] for r in direct)} |"
            )
            for target in TARGETS:
                rows = runs.get((scenario, target, conc))
                if not rows:
                    continue
                p50, p99 = _median(rows, "total_ms", "p50"), _median(rows, "total_ms", "p99")
                t50 = _median(rows, "ttft_ms", "p50")
                added = lambda a, b: round(a - b, 2) if a is not None and b is not None else None  # noqa: E731
                print(
                    f"| {scenario} | {conc} | {target} | {p50} | {p99} | {added(p50, d50)} | "
                    f"{added(p99, d99)} | {t50} | {added(t50, dt)} | "
                    f"{statistics.median(r['rps'] for r in rows)} | "
                    f"{sum(r['errors'] for r in rows)} |"
                )
    cpu = [(k, v) for k, v in runs.items() if k[0].startswith("cpu")]
    if cpu:
        print()
        print("| gateway CPU per request (conc 4) | JSON ms | SSE ms |")
        print("|---|---|---|")
        for target in TARGETS:
            cells = [
                str(runs[(scenario, target, 4)][0].get("gateway_cpu_ms_per_request", "-"))
                if (scenario, target, 4) in runs
                else "-"
                for scenario in ("cpu", "cpu-sse")
            ]
            print(f"| {target} | " + " | ".join(cells) + " |")
    print()
    print("| max RPS, conc | direct | " + " | ".join(TARGETS) + " |")
    print("|---|---|" + "---|" * len(TARGETS))
    for conc in (16, 32):
        cells = []
        for target in ("direct", *TARGETS):
            rows = runs.get(("max", target, conc), [])
            cells.append(
                " / ".join(
                    f"{r['rps']} ({r['errors']} err, p99 {r['total_ms']['p99']} ms)" for r in rows
                )
                or "-"
            )
        print(f"| {conc} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
