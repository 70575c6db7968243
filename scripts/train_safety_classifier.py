"""Train the safety classifier heads and write ``src/modelsteward/safety/data/classifier.npz``.

Usage: ``.venv/bin/python scripts/train_safety_classifier.py [--out PATH]``

Reads the licensed training split of ``shared/data/safety`` (see ``safety_corpus.py``),
featurises each text exactly as the runtime does (``normalize`` then ``featurize``), and fits
one logistic regression per head (injection, jailbreak, harmful) plus a multinomial hazard head
on the harmful rows whose source names a category. Only the weights ship; no text does.

Besides the licensed sets, the hand-written rows in ``scripts/safety_train/*.jsonl`` (generic
prompt injections and benign look-alikes, see that folder's README) join the training rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))

from safety_corpus import ROOT, Sample, document_segment_samples, training_samples

from modelsteward.safety.classifier import DIMENSIONS, HAZARDS, LABELS, featurize
from modelsteward.safety.normalize import normalize

HANDWRITTEN = Path(__file__).resolve().parent / "safety_train"


def handwritten_samples() -> list[Sample]:
    """The hand-written training rows: ``label`` is ``injection`` or ``benign``."""
    rows: list[Sample] = []
    for path in sorted(HANDWRITTEN.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                if row["label"] == "injection":
                    rows.append(
                        Sample(row["text"], frozenset({"injection"}), "handwritten-injection")
                    )
                else:
                    rows.append(
                        Sample(row["text"], source="handwritten-benign", group="hard_benign")
                    )
    return rows


def matrix(samples: list[Sample]) -> sparse.csr_matrix:
    """The feature matrix of ``samples`` (one row each, every view of a text summed)."""
    rows, cols, vals = [], [], []
    for i, sample in enumerate(samples):
        norm = normalize(sample.text)
        idx, values = featurize(" \n ".join(norm.views))
        rows.append(np.full(idx.size, i))
        cols.append(idx)
        vals.append(values)
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(samples), DIMENSIONS),
        dtype=np.float32,
    )


def calibrate(
    x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray | None, c: float, fpr: float
) -> float:
    """The logit above which at most ``fpr`` of negatives fall, from 5-fold out-of-fold
    scores (so the shipped 0.5 probability means "at most that false-positive rate")."""
    folds = np.arange(len(y)) % 5
    np.random.default_rng(13).shuffle(folds)
    oof = np.zeros(len(y))
    for k in range(5):
        train, test = folds != k, folds == k
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        model.fit(x[train], y[train], sample_weight=None if w is None else w[train])
        oof[test] = model.decision_function(x[test])
    negatives = np.sort(oof[y == 0])
    cut = float(negatives[int(np.ceil(len(negatives) * (1 - fpr))) - 1])
    recall = float((oof[y == 1] > max(cut, 0.0)).mean())
    print(
        f"  cv: negatives above cut {(negatives > max(cut, 0.0)).mean():.3f}, recall {recall:.3f}"
    )
    return max(cut, 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src/modelsteward/safety/data/classifier.npz"
    )
    parser.add_argument("--fpr", type=float, default=0.02, help="target benign false-positive rate")
    parser.add_argument("--c", type=float, default=4.0, help="inverse regularisation strength")
    args = parser.parse_args()
    base = training_samples()
    samples = base + handwritten_samples()
    x = matrix(samples)
    weight = np.array(
        [4.0 if s.group == "hard_benign" else 2.5 if not s.labels else 1.0 for s in samples]
    )
    # The hand-written injection rows and their look-alikes train the injection head only:
    # as extra easy negatives they would move the other heads' calibrated cuts.
    n_base = len(base)
    weights = np.zeros((DIMENSIONS, len(LABELS)), dtype=np.float32)
    bias = np.zeros(len(LABELS), dtype=np.float32)
    docs = document_segment_samples()
    x_docs = matrix(docs)
    for col, label in enumerate(LABELS):
        if label == "doc_injection":
            rows, xs, w = docs, x_docs, None
        elif label == "injection":
            rows, xs, w = samples, x, weight
        else:
            rows, xs, w = base, x[:n_base], weight[:n_base]
        y = np.array([label in s.labels for s in rows], dtype=np.int8)
        model = LogisticRegression(C=args.c, class_weight="balanced", max_iter=2000)
        model.fit(xs, y, sample_weight=w)
        shift = calibrate(xs, y, w, args.c, args.fpr)
        weights[:, col] = model.coef_[0]
        bias[col] = model.intercept_[0] - shift
        print(f"{label}: {int(y.sum())} positive / {len(y)}, logit shift {shift:+.2f}")
    labelled = [i for i, s in enumerate(samples) if s.hazard]
    hazard_y = np.array(
        [HAZARDS.index(next(h for h in HAZARDS if h.value == samples[i].hazard)) for i in labelled]
    )
    hmodel = LogisticRegression(C=args.c, max_iter=2000)
    hmodel.fit(x[labelled], hazard_y)
    hazard_weights = np.zeros((DIMENSIONS, len(HAZARDS)), dtype=np.float32)
    hazard_bias = np.full(len(HAZARDS), -20.0, dtype=np.float32)
    for row, cls in enumerate(hmodel.classes_):
        hazard_weights[:, cls] = hmodel.coef_[row]
        hazard_bias[cls] = hmodel.intercept_[row]
    print(
        f"hazard head: {len(labelled)} rows, classes {[HAZARDS[c].value for c in hmodel.classes_]}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        weights=weights.astype(np.float16),
        bias=bias,
        hazard_weights=hazard_weights.astype(np.float16),
        hazard_bias=hazard_bias,
    )
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) from {len(samples)} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
