"""The safety layer as the gateway sees it: input checks, answer checks, stream moderation.

The gateway talks to ``modelsteward.safety`` through the small protocols below, so the
request path stays the same whichever guards the layer runs. Without the safety package a
model that needs guards is not served (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from modelsteward.errors import StewardError
from modelsteward.gateway.schemas import GatewayError

T = TypeVar("T")


class Verdict(Protocol):
    """A safety decision: ``action`` is allow, flag, redact or block."""

    @property
    def action(self) -> Any: ...

    @property
    def categories(self) -> Any: ...

    @property
    def findings(self) -> Any: ...

    @property
    def redacted(self) -> Any: ...


class Layer(Protocol):
    """The safety layer's two checks."""

    def check_messages(self, messages: Sequence[dict[str, str]]) -> Any:
        """Verdict over chat messages."""
        ...

    def check_text(self, text: str, role: Any) -> Any:
        """Verdict over one text written by ``role``."""
        ...


class Moderator(Protocol):
    """Windowed moderation of a streamed answer: text is released only once checked."""

    def feed(self, delta: str) -> Any:
        """Add a delta; the step says what text is now safe to release, or that it blocked."""
        ...

    def finish(self) -> Any:
        """Check and release the held-back tail."""
        ...


@dataclass(frozen=True, slots=True)
class Decision:
    """A verdict reduced to what the gateway acts on."""

    action: str
    rule_ids: tuple[str, ...]
    categories: tuple[str, ...]
    redacted: str | None = None
    redacted_messages: tuple[dict[str, Any], ...] = ()

    @property
    def blocked(self) -> bool:
        """Whether the text must not pass."""
        return self.action == "block"


def decide(verdict: Any) -> Decision:
    """Normalise a safety verdict (enum or string actions, findings or rule ids)."""
    action = str(getattr(verdict, "action", "block"))
    return Decision(
        action=action,
        rule_ids=_rule_ids(getattr(verdict, "findings", ())),
        categories=tuple(str(c) for c in getattr(verdict, "categories", ()) or ()),
        redacted=_text_or_none(getattr(verdict, "redacted", None)),
        redacted_messages=tuple(
            dict(m) for m in getattr(verdict, "redacted_messages", ()) or () if hasattr(m, "keys")
        ),
    )


def guarded(check: Callable[..., T], *args: Any) -> T:
    """Run a safety check; a request the layer cannot read (an unknown role) is a 400.

    Raises:
        GatewayError: 400 when the layer rejects the input itself.
    """
    try:
        return check(*args)
    except StewardError as exc:
        raise GatewayError(400, f"invalid request: {exc.message}", code="invalid_request") from exc


def role(name: str) -> Any:
    """The safety layer's role value for an OpenAI role name (the name itself as fallback)."""
    try:
        from modelsteward.safety import Role
    except ImportError:  # pragma: no cover - the safety package is part of modelsteward
        return name
    try:
        return Role.parse(name)
    except StewardError:
        return Role.USER


def _rule_ids(findings: Iterable[Any] | None) -> tuple[str, ...]:
    ids: list[str] = []
    for item in findings or ():
        rule = getattr(item, "rule_id", item)
        if str(rule) not in ids:
            ids.append(str(rule))
    return tuple(ids)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def blocked_error(decision: Decision, where: str) -> GatewayError:
    """The 400 ``content_blocked`` answer, citing rule ids and nothing else."""
    rules = ", ".join(decision.rule_ids) or "safety policy"
    return GatewayError(
        400,
        f"the {where} was blocked by the safety layer ({rules})",
        code="content_blocked",
        extra={"rule_ids": list(decision.rule_ids), "categories": list(decision.categories)},
    )


def load_layer(policy: Path | None = None) -> Layer:
    """Build the safety layer, under the policy file ``policy`` (None: the default policy).

    Raises:
        GatewayError: 503 when the safety package is unavailable (the model is not served).
        SafetyError: when the policy file or the classifier model it names is unusable.
    """
    try:
        from modelsteward.safety import SafetyLayer, load_safety_policy
    except ImportError as exc:
        raise _unavailable(str(exc)) from exc
    layer: Layer = SafetyLayer(load_safety_policy(policy) if policy is not None else None)
    return layer


def new_moderator(layer: Layer, window_chars: int, *, hold_last_token: bool = False) -> Moderator:
    """A stream moderator over ``layer`` (``hold_last_token``: the strict hold).

    Raises:
        GatewayError: 503 when the safety package is unavailable.
    """
    try:
        from modelsteward.safety import SafetyLayer, StreamModerator
    except ImportError as exc:
        raise _unavailable(str(exc)) from exc
    if not isinstance(layer, SafetyLayer):
        raise _unavailable("stream moderation needs the safety package's SafetyLayer")
    moderator: Moderator = StreamModerator(
        layer, window_chars=window_chars, hold_last_token=hold_last_token
    )
    return moderator


def step_release(step: Any) -> tuple[str, Decision | None]:
    """Read a moderator step: the text now safe to send, and the decision if it blocked."""
    released = ""
    for name in ("released", "text", "release"):
        value = getattr(step, name, None)
        if isinstance(value, str):
            released = value
            break
    verdict = getattr(step, "verdict", None)
    blocked = bool(getattr(step, "stopped", False) or getattr(step, "blocked", False))
    if verdict is not None:
        decision = decide(verdict)
        if decision.blocked or blocked:
            return released, decision
    elif blocked:
        return released, Decision("block", _rule_ids(getattr(step, "findings", ())), ())
    return released, None


def _unavailable(detail: str) -> GatewayError:
    return GatewayError(
        503,
        "the safety layer is not available, so models that need it are not served",
        code="safety_unavailable",
        err_type="server_error",
        extra={"detail": detail},
    )
