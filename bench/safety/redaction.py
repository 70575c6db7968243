"""How often the default safety layer rewrites an ordinary request (everyday texts redacted
by mistake), on the everyday requests of ``shared/data/safety/everyday``.

Usage: .venv/bin/python bench/safety/redaction.py [--show N] [--json OUT]

The requests are split as in ``scripts/safety_corpus.py`` (template and near-duplicate
components, 60/20/20). The ``train`` and ``val`` parts are "seen": the name, place and
number rules were written reading what was redacted there (``--show`` prints up to N of
those, never a ``test`` row). The ``test`` part is "unseen", the headline. Every everyday
request is benign, so any rewrite (a PII or secret span redacted) is a mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "scripts"))

from safety_corpus import request_rows  # noqa: E402

from modelsteward.safety import Role, SafetyLayer  # noqa: E402


def rates(layer: SafetyLayer, split: str, show: int) -> dict[str, object]:
    rows = [r for r in request_rows(split) if r.group == "everyday"]
    redacted = 0
    kinds: Counter[str] = Counter()
    shown: list[str] = []
    for row in rows:
        verdict = layer.check_text(row.text, Role.USER)
        spans = verdict.redactions
        if not spans:
            continue
        redacted += 1
        for d in spans:
            kinds[d.label] += 1
        if len(shown) < show:
            what = ", ".join(f"{d.label}:{row.text[d.start : d.end]!r}" for d in spans)
            shown.append(f"[{row.source}] {what}  <<{row.text[:160]!r}>>")
    out: dict[str, object] = {
        "redacted": redacted,
        "n": len(rows),
        "rate": round(redacted / max(1, len(rows)), 4),
        "by_label": dict(kinds.most_common()),
    }
    if shown:
        out["sample"] = shown
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=0, help="print N seen redactions")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    layer = SafetyLayer()
    seen = {split: rates(layer, split, args.show) for split in ("train", "val")}
    result = {"seen": seen, "unseen": rates(layer, "test", 0)}
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
