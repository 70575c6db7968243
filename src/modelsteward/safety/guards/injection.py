"""Prompt injection (direct, and indirect in documents and tool output) and jailbreaks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from modelsteward.safety.guards.patterns import match_patterns, token_flood
from modelsteward.safety.guards.rules import INJECTION, JAILBREAK
from modelsteward.safety.guards.signals import (
    combine,
    document_score,
    message_texts,
    scores,
    views,
)
from modelsteward.safety.guards.suffix import adversarial_suffix
from modelsteward.safety.interface import Category, Detection, Role
from modelsteward.safety.normalize import normalize

_UNTRUSTED = frozenset({Role.DOCUMENT, Role.TOOL})
_ENCODINGS = frozenset({"base64", "hex", "rot13"})
_MIN_SCORE = 0.2
"""Scores below this are not reported at all."""
_SUFFIX_WEIGHT = 0.9


class InjectionGuard:
    """Attempts to override the instructions of the model, or to unlock it."""

    name = "injection"

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        """An injection and/or a jailbreak detection for ``text``, with scores in [0, 1].

        Text from documents and tools is untrusted data: an instruction addressed to the
        model there is an indirect injection, labelled ``indirect``.
        """
        if role in (Role.SYSTEM, Role.ASSISTANT) or not text.strip():
            return ()
        all_views = views(text)
        cls = scores(text)
        tricks = normalize(text).tricks
        out: list[Detection] = []
        rule, name = match_patterns(INJECTION, all_views)
        if token_flood(text):
            rule, name = combine(rule, 0.75), name or "token-flood"
        learned = document_score(text) if role in _UNTRUSTED else cls.injection
        score = combine(rule, learned)
        if score >= _MIN_SCORE:
            label = name or "classifier"
            if role in _UNTRUSTED:
                label = f"indirect:{label}"
            out.append(self._detection(Category.PROMPT_INJECTION, score, label, tricks, rule))
        rule, name = match_patterns(JAILBREAK, all_views)
        hidden = _ENCODINGS.intersection(tricks)
        if hidden and max(cls.harmful, cls.injection) >= 0.3:
            # Harm or instructions wrapped in an encoding is itself an evasion attempt.
            rule = combine(rule, 0.9 * max(cls.harmful, cls.injection))
            name = name or f"encoded-payload:{'+'.join(sorted(hidden))}"
        if not name and adversarial_suffix(text, all_views, cls.harmful):
            rule, name = combine(rule, _SUFFIX_WEIGHT), "adversarial-suffix"
        score = combine(rule, cls.jailbreak)
        if score >= _MIN_SCORE:
            out.append(
                self._detection(Category.JAILBREAK, score, name or "classifier", tricks, rule)
            )
        return tuple(out)

    @staticmethod
    def _detection(
        category: Category, score: float, label: str, tricks: tuple[str, ...], rule: float
    ) -> Detection:
        evidence = label + (f" via {'+'.join(tricks)}" if tricks else "")
        return Detection(
            category=category,
            score=round(score, 4),
            label=label,
            evidence=evidence,
            source="rule" if rule > 0 else "classifier",
        )

    def check_request(self, messages: Sequence[Mapping[str, object]]) -> tuple[Detection, ...]:
        """Detections across every user, document and tool message."""
        out: list[Detection] = []
        for text, role in message_texts(messages):
            out.extend(self.check_text(text, role))
        return tuple(out)
