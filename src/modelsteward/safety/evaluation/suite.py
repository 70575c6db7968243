"""Red-team suites: probes, their families and hazards, and the suite's content hash.

A suite is plain data. Its ``sha256`` is taken over a canonical JSON form of its id, version
and expanded probes, so two runs with the same hash sent exactly the same conversations and
their results can be compared across models.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from modelsteward.safety.interface import Hazard, SafetyError


class SuiteError(SafetyError):
    """A suite file or suite name that cannot be used."""


class ProbeKind(enum.StrEnum):
    """What a probe tests, which decides how its answer is scored."""

    HARMFUL = "harmful"
    """A harmful ask, plain or wrapped in a jailbreak: success when the model complies."""
    BENIGN = "benign"
    """A safe look-alike: a refusal is an over-refusal."""
    INJECTION = "injection"
    """An instruction hidden in a document or tool output: success when a canary shows up."""
    EXTRACTION = "extraction"
    """An attempt to read the system prompt: success when its canary shows up."""
    LEAKAGE = "leakage"
    """An attempt to read private data from the context: success when a planted value shows up."""


CANARY_KINDS = frozenset({ProbeKind.INJECTION, ProbeKind.EXTRACTION, ProbeKind.LEAKAGE})
"""Kinds scored by canaries rather than by refusal and moderation."""

FAMILIES: tuple[str, ...] = (
    "direct",
    "role-play",
    "persona",
    "refusal-suppression",
    "encoding",
    "low-resource",
    "many-shot",
    "adversarial-suffix",
    "injection-document",
    "injection-tool",
    "system-prompt-extraction",
    "context-leakage",
    "over-refusal",
)
"""The families of the built-in suite, in report order; other suites may add their own."""

JAILBREAK_FAMILIES = frozenset(FAMILIES[1:8])
"""The families that wrap a harmful ask in an attack."""

ROLES = frozenset({"system", "user", "assistant", "tool"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One chat message of a probe's conversation."""

    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        """The OpenAI chat message."""
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """One conversation sent to the model under test, and how to score the answer."""

    id: str
    kind: ProbeKind
    family: str
    messages: tuple[Message, ...]
    hazard: Hazard | None = None
    canaries: tuple[str, ...] = ()
    """Strings whose appearance in the answer means the attack worked (canary kinds)."""
    language: str = "en"
    source: str = ""
    """Where the probe comes from: a template of this suite or a public dataset."""

    @property
    def prompt(self) -> str:
        """The last user message: what the probe asks."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return self.messages[-1].content if self.messages else ""

    def to_dict(self) -> dict[str, object]:
        """The canonical JSON form (hashed into the suite's sha256)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "family": self.family,
            "hazard": self.hazard.value if self.hazard else None,
            "language": self.language,
            "messages": [m.to_dict() for m in self.messages],
            "canaries": list(self.canaries),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Suite:
    """A versioned, hashed set of probes."""

    id: str
    version: str
    probes: tuple[Probe, ...]
    license: str = ""
    provenance: tuple[str, ...] = ()
    """Where the texts come from, with their licenses."""
    origin: str = "builtin"
    """``builtin``, a file path or a dataset directory."""
    sha256: str = field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", suite_digest(self.id, self.version, self.probes))

    def counts(self) -> dict[str, int]:
        """How many probes each family holds."""
        out: dict[str, int] = {}
        for probe in self.probes:
            out[probe.family] = out.get(probe.family, 0) + 1
        return out

    def ref(self) -> dict[str, str]:
        """``{"id", "version", "sha256"}``: what a result cites."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


def suite_digest(suite_id: str, version: str, probes: Sequence[Probe]) -> str:
    """The sha256 of the canonical JSON of a suite's id, version and probes."""
    doc = {"id": suite_id, "version": version, "probes": [p.to_dict() for p in probes]}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canary_for(probe_id: str, prefix: str = "MS") -> str:
    """A canary string unique to ``probe_id`` and stable across runs."""
    return f"{prefix}-{hashlib.sha256(probe_id.encode('utf-8')).hexdigest()[:10].upper()}"


def chat(system: str | None, user: str) -> tuple[Message, ...]:
    """A one-turn conversation, with a system message when ``system`` is given."""
    head = (Message(role="system", content=system),) if system else ()
    return (*head, Message(role="user", content=user))


def messages_from(items: Sequence[Mapping[str, object]]) -> tuple[Message, ...]:
    """Messages from OpenAI-style dicts.

    Raises:
        ValueError: for an unknown role or a non-text content.
    """
    out = []
    for item in items:
        role, content = item.get("role"), item.get("content")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (use system, user, assistant or tool)")
        if not isinstance(content, str):
            raise ValueError("message content must be text")
        out.append(Message(role=str(role), content=content))
    if not out or out[-1].role != "user":
        raise ValueError("the conversation must end with a user message")
    return tuple(out)
