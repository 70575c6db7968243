"""Render ``bench/scan/results.json`` as the tables of ``RESULTS.md``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def render(result: dict[str, object]) -> str:
    """Markdown tables for detection and wall time."""
    det = result["detection"]
    assert isinstance(det, dict)
    lines = [
        f"Corpus: {result['malicious']} malicious files, {result['benign']} benign files "
        "made by torch, joblib/scikit-learn, numpy and pickle.",
        "",
        "| tool | true-positive rate | false-positive rate | missed | false positives |",
        "|---|---|---|---|---|",
    ]
    for tool, row in det.items():
        missed = ", ".join(row["missed"]) or "-"
        false = ", ".join(row["false_positives"]) or "-"
        lines.append(f"| {tool} | {row['tpr']:.3f} | {row['fpr']:.3f} | {missed} | {false} |")
    wall = result["wall_s"]
    assert isinstance(wall, dict)
    tools: list[str] = []
    for row in wall.values():
        tools.extend(t for t in row if t not in tools)
    lines += ["", "| input | " + " | ".join(tools) + " |", "|---" * (len(tools) + 1) + "|"]
    for label, row in wall.items():
        cells = [str(row.get(t, "-")) for t in tools]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", f"CLI start-up of `modelsteward --version`: {result['cli_startup_s']} s."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results.json"
    print(render(json.loads(path.read_text(encoding="utf-8"))))
