"""What the text guards share: the folded views of a text and its classifier scores."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from modelsteward.safety.classifier import Scores, default_classifier, segments
from modelsteward.safety.interface import Role
from modelsteward.safety.normalize import normalize, strip_accents


@functools.lru_cache(maxsize=512)
def views(text: str) -> tuple[str, ...]:
    """The folded, accent-stripped text and every payload decoded from it."""
    return tuple(strip_accents(v) for v in normalize(text).views)


_FULL_EVIDENCE_WORDS = 3
"""Below this many words the classifier has too little evidence to block on its own: its
scores are scaled by ``words / 3`` (a lone "Write" or "Ignore" never blocks; the
hand-written rules still judge such texts)."""
_WORDS = re.compile(r"\w+")


def _damped(found: Scores, text: str) -> Scores:
    words = 0
    for _ in _WORDS.finditer(text):
        words += 1
        if words >= _FULL_EVIDENCE_WORDS:
            return found
    factor = words / _FULL_EVIDENCE_WORDS
    return Scores(
        injection=found.injection * factor,
        jailbreak=found.jailbreak * factor,
        harmful=found.harmful * factor,
        doc_injection=found.doc_injection * factor,
        hazard=found.hazard,
        hazard_score=found.hazard_score,
    )


@functools.lru_cache(maxsize=512)
def scores(text: str) -> Scores:
    """Classifier scores of ``text``: the folded text, and each decoded payload on its own
    (a payload must not be diluted by the encoded noise around it); per head the maximum.
    Cached, so the guards share one pass."""
    classifier = default_classifier()
    norm = normalize(text)
    best = classifier.score(norm.folded)
    for payload in norm.decoded:
        other = classifier.score(payload)
        best = Scores(
            injection=max(best.injection, other.injection),
            jailbreak=max(best.jailbreak, other.jailbreak),
            harmful=max(best.harmful, other.harmful),
            doc_injection=max(best.doc_injection, other.doc_injection),
            hazard=other.hazard if other.harmful > best.harmful else best.hazard,
            hazard_score=other.hazard_score if other.harmful > best.harmful else best.hazard_score,
        )
    return _damped(best, norm.folded)


@functools.lru_cache(maxsize=256)
def document_score(text: str) -> float:
    """The highest document-head score over the sentences of ``text`` (and its payloads)."""
    classifier = default_classifier()
    norm = normalize(text)
    best = 0.0
    for view in norm.views:
        for piece in segments(view):
            best = max(best, classifier.score(piece).doc_injection)
    return best


def combine(*weights: float) -> float:
    """Noisy-or of independent signals in [0, 1]."""
    miss = 1.0
    for weight in weights:
        miss *= 1.0 - max(0.0, min(1.0, weight))
    return 1.0 - miss


def message_texts(messages: Sequence[Mapping[str, object]]) -> list[tuple[str, Role]]:
    """``(text, role)`` for each chat message with text content (string or text parts)."""
    out: list[tuple[str, Role]] = []
    for message in messages:
        role = Role.parse(message.get("role", "user"))
        content = message.get("content")
        if isinstance(content, str):
            out.append((content, role))
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                    out.append((str(part["text"]), role))
    return out
