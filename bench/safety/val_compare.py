"""The whole layer on the validation split with other classifier weights: how a training
change is judged before the test split is read.

Usage: .venv/bin/python bench/safety/val_compare.py packaged [WEIGHTS.npz ...]
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from safety_corpus import validation_samples

from modelsteward.safety import Role, SafetyLayer, classifier
from modelsteward.safety.guards import signals


def main() -> int:
    rows = validation_samples()
    benign = np.array([not r.labels for r in rows])
    hard = np.array([r.group == "hard_benign" for r in rows])
    everyday = np.array([r.group == "everyday" for r in rows])
    for weights in sys.argv[1:] or ["packaged"]:
        classifier._DEFAULT = classifier.Classifier.load(
            None if weights == "packaged" else Path(weights)
        )
        for cached in (signals.views, signals.scores, signals.document_score):
            cached.cache_clear()
        layer = SafetyLayer()
        blocked = np.array([layer.check_text(r.text, Role(r.role)).blocked for r in rows])
        by_source: dict[str, list[bool]] = defaultdict(list)
        for row, hit in zip(rows, blocked, strict=True):
            by_source[row.source].append(bool(hit))
        rates = (
            f"attacks {blocked[~benign].mean():.4f}, benign {blocked[benign].mean():.4f}, "
            f"everyday {blocked[everyday].mean():.4f}, XSTest safe {blocked[hard].mean():.3f}"
        )
        sources = {k: round(float(np.mean(v)), 3) for k, v in sorted(by_source.items())}
        print(f"{weights}: {rates}; {sources}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
