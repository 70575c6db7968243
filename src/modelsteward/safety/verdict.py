"""The layer's answer for a text or a request: ``Verdict``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelsteward.findings import Finding
from modelsteward.safety.interface import Action, Category, Detection, Hazard
from modelsteward.safety.redact import restore_pseudonyms


@dataclass(frozen=True, slots=True, kw_only=True)
class PiiSpan:
    """One PII span in the checked text (or in message ``message`` of a request)."""

    start: int
    end: int
    type: str
    score: float = 0.0
    message: int | None = None

    def to_dict(self) -> dict[str, object]:
        """The ``pii`` entry of the guard JSON contract."""
        out: dict[str, object] = {"start": self.start, "end": self.end, "type": self.type}
        if self.message is not None:
            out["message"] = self.message
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What the safety layer decided, and why."""

    action: Action
    categories: tuple[Category, ...] = ()
    """Categories that reached their threshold (flagged ones included)."""
    hazard: Hazard | None = None
    score: float = 0.0
    """The highest score among the categories that reached their threshold, else the highest."""
    pii: tuple[PiiSpan, ...] = ()
    redacted: str | None = None
    """The text with PII/secrets rewritten (for a request: the last user message)."""
    redacted_messages: tuple[Mapping[str, object], ...] = ()
    """For ``check_messages``: the messages with their text redacted."""
    findings: tuple[Finding, ...] = ()
    detections: tuple[Detection, ...] = ()
    """Every detection above the reporting floor, triggered or not."""
    redactions: tuple[Detection, ...] = ()
    """The spans that were rewritten in ``redacted`` (for ``check_text``: offsets in the text)."""
    pseudonyms: Mapping[str, str] = field(default_factory=dict)
    """Pseudonym -> original, for the ``pseudonym`` redaction style."""
    latency_ms: float = 0.0

    @property
    def blocked(self) -> bool:
        """True when the action is ``block``."""
        return self.action is Action.BLOCK

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The distinct rule ids of the findings, in order."""
        return tuple(dict.fromkeys(f.rule_id for f in self.findings))

    def restore(self, text: str) -> str:
        """``text`` (typically the model's answer) with pseudonyms replaced by the originals."""
        return restore_pseudonyms(text, self.pseudonyms)

    def to_dict(self) -> dict[str, object]:
        """The guard JSON-lines contract of ARCHITECTURE.md, plus ``findings``."""
        return {
            "action": self.action.value,
            "categories": [c.value for c in self.categories],
            "hazard": self.hazard.value if self.hazard else None,
            "score": round(self.score, 4),
            "pii": [s.to_dict() for s in self.pii],
            "redacted": self.redacted,
            "latency_ms": round(self.latency_ms, 3),
            "rule_ids": list(self.rule_ids),
            "findings": [f.to_dict() for f in self.findings],
        }
