"""Leave-one-source-out and the near-duplicate threshold table for ``run_bench.py``.

Leave-one-source-out: for each source, the classifier's request heads are retrained on the
train and validation rows of every other source, minus every row in a near-duplicate
component that the left-out source touches, calibrated on what is left of the validation
split, and the whole layer (rules and classifier) runs on every row of the left-out source.
An attack source reports its recall, a benign one the share it blocks.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import numpy as np
from safety_corpus import (
    Sample,
    component_of_rows,
    drop_near_copies_of_evaluation,
    split_request_rows,
)
from safety_dedupe import near_duplicate_pairs
from train_safety_classifier import fit_request_heads, handwritten_samples

from modelsteward.safety import Role, SafetyLayer, classifier
from modelsteward.safety.guards import signals

FAMILIES = {
    "jbb": ("jbb-PAIR", "jbb-GCG", "jbb-DSN", "jbb-JailbreakChat", "jbb-adaptive_random_search"),
}
"""Sources left out together (one benchmark's methods)."""


def _swap_request_heads(weights: np.ndarray, bias: np.ndarray) -> classifier.Classifier:
    """The packaged classifier with its three request heads replaced."""
    base = classifier.default_classifier()
    w = base._w.copy()
    b = base._b.copy()
    w[:, :3] = weights
    b[:3] = bias
    return classifier.Classifier(
        weights=w,
        bias=b,
        hazard_weights=base._hw,
        hazard_bias=base._hb,
    )


def _clear_caches() -> None:
    for cached in (signals.views, signals.scores, signals.document_score):
        cached.cache_clear()


def leave_one_source_out(*, max_rows: int = 400) -> dict[str, dict[str, float | int]]:
    """Per source (JailbreakBench's methods as one): recall of an attack source, blocked
    share of a benign one, on at most ``max_rows`` of its rows (a fixed sample)."""
    rows = list(split_request_rows())
    components = component_of_rows()
    extra = drop_near_copies_of_evaluation(handwritten_samples())
    packaged = classifier.default_classifier()
    groups: dict[str, set[str]] = defaultdict(set)
    for row, _ in rows:
        family = next((f for f, members in FAMILIES.items() if row.source in members), row.source)
        groups[family].add(row.source)
    out: dict[str, dict[str, float | int]] = {}
    for family, sources in sorted(groups.items()):
        touched = {components[i] for i, (r, _) in enumerate(rows) if r.source in sources}
        keep = [(r, w) for i, (r, w) in enumerate(rows) if components[i] not in touched]
        train = [r for r, w in keep if w == "train"]
        validation = [r for r, w in keep if w == "val"]
        weights, bias = fit_request_heads(train + validation, extra, validation, quiet=True)
        classifier._DEFAULT = _swap_request_heads(weights, bias)
        _clear_caches()
        left = [r for r, _ in rows if r.source in sources]
        random.Random(11).shuffle(left)
        left = left[:max_rows]
        layer = SafetyLayer()
        blocked = sum(layer.check_text(r.text, Role(r.role)).blocked for r in left)
        attack = any(r.labels for r in left)
        out[family] = {
            "kind": "attack" if attack else "benign",
            "n": len(left),
            "blocked": blocked,
            "rate": round(blocked / max(1, len(left)), 4),
            "trained_on": len(train) + len(validation),
        }
        print(f"  loso {family}: {out[family]}", flush=True)
    classifier._DEFAULT = packaged
    _clear_caches()
    return out


def dedupe_report() -> dict[str, object]:
    """How many request-row pairs from different sources, and from one source, reach each
    Jaccard level; with a few example pairs around the threshold."""
    rows: list[Sample] = [r for r, _ in split_request_rows()]
    pairs = near_duplicate_pairs([r.text for r in rows], floor=0.3)
    levels = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    cross: Counter[float] = Counter()
    within: Counter[float] = Counter()
    examples: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, b, score in pairs:
        level = max(x for x in levels if score >= x - 1e-9)
        (cross if rows[a].source != rows[b].source else within)[level] += 1
        bucket = f"{level:.1f}"
        if len(examples[bucket]) < 3:
            examples[bucket].append((rows[a].text[:90], rows[b].text[:90]))
    return {
        "pairs_by_level_cross_source": {f"{k:.1f}": v for k, v in sorted(cross.items())},
        "pairs_by_level_same_source": {f"{k:.1f}": v for k, v in sorted(within.items())},
        "examples": dict(examples),
    }
