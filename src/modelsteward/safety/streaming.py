"""Moderate a token stream: hold back a bounded window, release only checked text, stop
cleanly on a violation.

The moderator keeps the unreleased tail of the stream. It checks the first chunks as they
arrive (so the first words leave quickly), then each time ``check_every`` new characters have
arrived (or the tail reaches ``window_chars``), always together with up to ``window_chars`` of
already released text. It releases the checked part except what a later chunk could still
complete into something sensitive: the last token (a key, an e-mail address, a word), a
trailing run of digit groups (a card, phone or IBAN split by spaces), and, when the policy
has a deny list, as many characters as its shortest possible match; never more than
``hold_chars``.
Redacted spans are released as their replacement. A blocking verdict stops the stream:
nothing more is released and the step carries the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelsteward.safety.interface import Role
from modelsteward.safety.layer import SafetyLayer
from modelsteward.safety.redact import Pseudonymizer, redact
from modelsteward.safety.verdict import Verdict

_SENSITIVE_TAIL = re.compile(r"[\w@.+:/=-]*$")
# Digit groups (an IBAN's first group may start with its country code), separated by a few
# separator characters: a card, phone or IBAN split by spaces. The separators are mandatory,
# so a text splits into groups in one way only (no backtracking).
_DIGIT_GROUPS_TAIL = re.compile(r"(?:[A-Z]{0,2}\d+[ \t.()+/-]{1,3})*[A-Z]{0,2}\d+[ \t.()+/-]{0,3}$")


def _phrase_hold(patterns: tuple[re.Pattern[str], ...], cap: int) -> int:
    """Characters to hold so that no deny-list match can leave half-way: the longest of the
    patterns' shortest possible matches, at most ``cap``."""
    from re import _parser  # type: ignore[attr-defined]

    widest = 0
    for pattern in patterns:
        try:
            shortest = int(_parser.parse(pattern.pattern, pattern.flags).getwidth()[0])
        except (re.error, TypeError, ValueError, OverflowError):
            shortest = cap
        widest = max(widest, shortest)
    return min(widest, cap)


@dataclass(frozen=True, slots=True)
class StreamStep:
    """What the caller may send now."""

    text: str = ""
    """Checked text, safe to release now (may be empty)."""
    stopped: bool = False
    """True once a violation stopped the stream; ``verdict`` says why."""
    verdict: Verdict | None = None
    done: bool = False
    """True after ``finish`` (or a stop): nothing more will come."""


class StreamModerator:
    """Moderates one streamed response. Not thread-safe: make one per stream."""

    def __init__(
        self,
        layer: SafetyLayer,
        *,
        window_chars: int = 256,
        hold_chars: int = 48,
        check_every: int = 48,
        role: Role = Role.ASSISTANT,
    ) -> None:
        if not 0 < hold_chars < window_chars or check_every <= 0:
            raise ValueError("need 0 < hold_chars < window_chars and check_every > 0")
        self._layer = layer
        self._window = window_chars
        self._hold = hold_chars
        self._every = check_every
        self._role = role
        self._text = ""
        self._released = 0
        """Characters of ``_text`` already released (or replaced by a redaction)."""
        self._checked_at = 0
        self._stopped: Verdict | None = None
        self._done = False
        self._pseudo = Pseudonymizer()
        self._phrase = _phrase_hold(layer.policy.deny, hold_chars)

    @property
    def held(self) -> int:
        """Characters received but not yet released."""
        return len(self._text) - self._released

    def feed(self, delta: str) -> StreamStep:
        """Add a chunk; return what may be released now, or the stop."""
        if self._stopped is not None or self._done:
            return StreamStep(stopped=self._stopped is not None, verdict=self._stopped, done=True)
        self._text += delta
        due = (
            self._released == 0  # until the first words are out, check every chunk
            or len(self._text) - self._checked_at >= self._every
            or self.held >= self._window
        )
        if not due:
            return StreamStep()
        return self._check(final=False)

    def finish(self) -> StreamStep:
        """The stream ended: check and release everything still held."""
        if self._stopped is not None or self._done:
            return StreamStep(stopped=self._stopped is not None, verdict=self._stopped, done=True)
        step = self._check(final=True)
        self._done = True
        return StreamStep(text=step.text, stopped=step.stopped, verdict=step.verdict, done=True)

    def _check(self, *, final: bool) -> StreamStep:
        self._checked_at = len(self._text)
        origin = max(0, self._released - self._window)
        region = self._text[origin:]
        verdict = self._layer.check_text(region, self._role)
        if verdict.blocked:
            self._stopped = verdict
            return StreamStep(stopped=True, verdict=verdict, done=True)
        cut = len(self._text) if final else self._cut()
        spans = [d for d in verdict.redactions if origin + d.end > self._released]
        for det in spans:
            if origin + det.start < cut < origin + det.end:
                cut = origin + det.start
        if cut <= self._released:
            return StreamStep(verdict=verdict)
        start = self._released - origin
        inside = [
            type(d)(
                category=d.category,
                score=d.score,
                start=origin + d.start - self._released,
                end=origin + d.end - self._released,
                label=d.label,
            )
            for d in spans
            if origin + d.start >= self._released and origin + d.end <= cut
        ]
        segment = redact(
            region[start : cut - origin],
            inside,
            style=self._layer.policy.redaction,
            key=self._layer.policy.hash_key,
            pseudonyms=self._pseudo,
        )
        self._released = cut
        return StreamStep(text=segment, verdict=verdict)

    def _cut(self) -> int:
        """Where to stop releasing: before any tail a later chunk could complete into
        something sensitive, and never inside a token."""
        end = len(self._text)
        limit = end - self._phrase
        floor = end - self._hold  # the most ever held back after a check
        token = _SENSITIVE_TAIL.search(self._text, self._released, end)
        if token is not None:
            limit = min(limit, token.start())
        groups = _DIGIT_GROUPS_TAIL.search(self._text, self._released, end)
        if groups is not None:
            limit = min(limit, groups.start())
        limit = max(limit, floor)
        if limit <= self._released:
            return self._released
        space = max(self._text.rfind(c, self._released, limit + 1) for c in " \n\t")
        if space < 0 and limit - self._released < self._window - self._hold:
            return self._released
        return max(self._released, limit if space < 0 else space)

    @property
    def pseudonyms(self) -> dict[str, str]:
        """Pseudonym -> original for text released in the ``pseudonym`` style."""
        return dict(self._pseudo.mapping)
