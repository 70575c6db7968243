"""The safety vocabulary: categories, hazards, roles, actions, detections and the Guard seam."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from modelsteward.errors import StewardError
from modelsteward.findings import Finding, Location, Severity


class SafetyError(StewardError):
    """The safety layer cannot run: a bad policy file, a broken classifier, a judge failure."""


class Category(enum.StrEnum):
    """What kind of problem a detection is (the ``categories`` of the guard JSON contract)."""

    PROMPT_INJECTION = "prompt_injection"
    JAILBREAK = "jailbreak"
    HARMFUL_REQUEST = "harmful_request"
    HARMFUL_OUTPUT = "harmful_output"
    PII = "pii"
    SECRET = "secret"  # noqa: S105
    DENY_LIST = "deny_list"


class Hazard(enum.StrEnum):
    """The MLCommons hazard taxonomy, as Llama Guard 3 numbers it."""

    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"
    S5 = "S5"
    S6 = "S6"
    S7 = "S7"
    S8 = "S8"
    S9 = "S9"
    S10 = "S10"
    S11 = "S11"
    S12 = "S12"
    S13 = "S13"
    S14 = "S14"

    @property
    def label(self) -> str:
        """The human name of the hazard (``Violent Crimes``)."""
        return HAZARD_TITLES[self]


HAZARD_TITLES: Mapping[Hazard, str] = {
    Hazard.S1: "Violent Crimes",
    Hazard.S2: "Non-Violent Crimes",
    Hazard.S3: "Sex-Related Crimes",
    Hazard.S4: "Child Sexual Exploitation",
    Hazard.S5: "Defamation",
    Hazard.S6: "Specialized Advice",
    Hazard.S7: "Privacy",
    Hazard.S8: "Intellectual Property",
    Hazard.S9: "Indiscriminate Weapons",
    Hazard.S10: "Hate",
    Hazard.S11: "Suicide & Self-Harm",
    Hazard.S12: "Sexual Content",
    Hazard.S13: "Elections",
    Hazard.S14: "Code Interpreter Abuse",
}


class Role(enum.StrEnum):
    """Who wrote a text; documents and tool output are judged as untrusted data."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    DOCUMENT = "document"
    TOOL = "tool"

    @classmethod
    def parse(cls, value: object) -> Role:
        """Map an OpenAI message role (``function`` -> tool, ``developer`` -> system).

        Raises:
            SafetyError: for an unknown role.
        """
        text = str(value).strip().lower()
        aliases = {"function": "tool", "developer": "system", "context": "document"}
        try:
            return cls(aliases.get(text, text))
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise SafetyError(
                f"unknown message role {value!r}", hint=f"use one of {names}"
            ) from None


class Action(enum.StrEnum):
    """What the layer decided for a text; ordered by strength with ``rank``."""

    ALLOW = "allow"
    REDACT = "redact"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        """Strength order: allow < redact < block."""
        return _ACTION_RANK[self]


_ACTION_RANK = {Action.ALLOW: 0, Action.REDACT: 1, Action.BLOCK: 2}

RULE_IDS: Mapping[Category, str] = {
    Category.PROMPT_INJECTION: "safety.guard.prompt-injection",
    Category.JAILBREAK: "safety.guard.jailbreak",
    Category.HARMFUL_REQUEST: "safety.guard.harmful-request",
    Category.HARMFUL_OUTPUT: "safety.guard.harmful-output",
    Category.PII: "safety.guard.pii",
    Category.SECRET: "safety.guard.secret",
    Category.DENY_LIST: "safety.policy.deny-list",
}
"""The rule id of each category's findings."""

LABEL_RULE_IDS: Mapping[tuple[Category, str], str] = {
    (Category.JAILBREAK, "adversarial-suffix"): "safety.guard.adversarial-suffix",
}
"""Detections whose sub-kind has a rule of its own (otherwise the category's rule applies)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """One thing a guard saw in a text: a category, a score in [0, 1] and a character span."""

    category: Category
    score: float
    start: int = 0
    """Start offset in the text given to the guard (0 for whole-text detections)."""
    end: int = 0
    """End offset (exclusive); equal to ``start`` for whole-text detections."""
    label: str = ""
    """The entity type for PII and secrets (``EMAIL_ADDRESS``, ``AWS_ACCESS_KEY``), else the
    sub-kind that matched (``ignore-previous``, ``dan``)."""
    hazard: Hazard | None = None
    evidence: str = ""
    """Exactly what was seen (masked for PII and secrets)."""
    source: str = ""
    """Which detector produced it: ``rule``, ``classifier``, ``presidio``, ``judge``..."""

    @property
    def rule_id(self) -> str:
        """The rule this detection reports under: its sub-kind's own, else its category's."""
        return LABEL_RULE_IDS.get((self.category, self.label)) or RULE_IDS[self.category]

    @property
    def has_span(self) -> bool:
        """True for detections that point at a part of the text (PII, secrets)."""
        return self.end > self.start

    def to_finding(self, *, severity: Severity, request_id: str | None = None) -> Finding:
        """This detection as a ``Finding`` under its rule id."""
        what = self.label or self.category.value
        hazard = f" ({self.hazard.value} {self.hazard.label})" if self.hazard else ""
        kind = self.category.value.replace("_", " ")
        location = Location(offset=self.start if self.has_span else None, request_id=request_id)
        return Finding(
            rule_id=self.rule_id,
            severity=severity,
            message=f"{kind}: {what}{hazard}, score {self.score:.2f}",
            location=location,
            evidence=self.evidence,
        )


class Guard(Protocol):
    """A detector behind the safety layer. Guards are pure: no I/O, no shared mutable state
    (the LLM-judge guard is the one documented exception: it calls an endpoint)."""

    name: str

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        """Detections in one text written by ``role``; never raises on odd input."""
        ...

    def check_request(self, messages: Sequence[Mapping[str, object]]) -> tuple[Detection, ...]:
        """Detections across OpenAI chat messages (spans are relative to each message)."""
        ...
