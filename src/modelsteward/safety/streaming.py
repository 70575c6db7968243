"""Moderate a token stream: hold back a bounded window, release only checked text, stop
cleanly on a violation.

The moderator keeps the unreleased tail of the stream. It checks the first chunks as they
arrive (so the first words leave quickly), then each time ``check_every`` new characters have
arrived (or the tail reaches ``window_chars``), always together with up to ``window_chars`` of
already released text. It releases the checked part except what a later chunk could still
complete into something sensitive, never more than ``hold_chars``:

- the last token (the text after the last whitespace) when a later chunk could make it part
  of something the policy redacts or blocks: it is not a plain word (it holds ``@ : / = \\``,
  a quote, a bracket, a ``.``, ``-``, ``+`` or ``_`` inside, ...), it is number-like (starts
  with a digit, one or two letters then a digit: an IBAN, a national id; hex with a digit: an
  IPv6 or MAC address), it is a prefix of a known secret prefix or starts with one (read off
  the secrets guard's own patterns: ``sk-``, ``AKIA``, ``ghp_``, ``xox``, ``eyJ``,
  ``-----BEGIN``, ``postgres``, ``http`` ...), it follows a ``:`` or ``=`` (the value of
  ``password: ...``), it is long and mixes character classes (a generic key), or it starts
  with a capital letter while the policy redacts PII in this role (a name), unless it is a
  word the name detector never starts a name with ("The", "Hello", "Sure");
- a trailing run of digit groups (a card, phone or IBAN split by spaces), except a single
  digit glued to the end of a word (``tok0``), which the token rule decides;
- when the policy has a deny list, as many characters as its shortest possible match.

Anything else, including the last token, leaves as soon as it is checked, so the first words
of an answer add no token interval. The trade-off: a plain word (letters and digits, maybe
followed by sentence punctuation) that a later chunk glues into an e-mail address
(``jane`` + ``.doe@example.com``) has already left; the rest of the address is replaced, so
what leaves is ``jane<EMAIL_ADDRESS>``. Likewise one trailing digit of ``tok0`` may turn out
to be the first digit of a number, and a word that only the next word makes harmful has left
before the stop. ``hold_last_token=True`` restores the strict behaviour:
the last token is always held, whatever it is, at the cost of one token interval of latency.

Redacted spans are released as their replacement; a span that begins in text already
released has its unreleased part replaced. A blocking verdict stops the stream: nothing more
is released and the step carries the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelsteward.safety.guards.name_context import NOT_NAMES
from modelsteward.safety.guards.patterns import anchors_of
from modelsteward.safety.guards.secrets import KNOWN_SECRETS
from modelsteward.safety.interface import Category, Role
from modelsteward.safety.layer import SafetyLayer
from modelsteward.safety.policy import Treatment
from modelsteward.safety.redact import Pseudonymizer, redact
from modelsteward.safety.verdict import Verdict

_SENSITIVE_TAIL = re.compile(r"[\w@.+:/=-]*$")
"""The strict mode's last token: a run of word and identifier-glue characters."""
_LAST_TOKEN = re.compile(r"\S*$")
# Digit groups (an IBAN's first group may start with its country code), separated by a few
# separator characters: a card, phone or IBAN split by spaces. The separators are mandatory,
# so a text splits into groups in one way only (no backtracking).
_DIGIT_GROUPS_TAIL = re.compile(r"(?:[A-Z]{0,2}\d+[ \t.()+/-]{1,3})*[A-Z]{0,2}\d+[ \t.()+/-]{0,3}$")
_PLAIN_WORD = re.compile(r"([^\W_]+)[.,;!?)\"'’]*")
"""Letters and digits, maybe followed by sentence punctuation."""
_NUMBER_LIKE = re.compile(r"\d|[^\W\d_]{1,2}\d|(?<![0-9A-Fa-f])[0-9A-Fa-f]*\d[0-9A-Fa-f]*$")
_SECRET_PREFIXES = tuple(
    dict.fromkeys(prefix for _, pattern in KNOWN_SECRETS for prefix in anchors_of(pattern.pattern))
)
"""Literal starts of the secrets guard's known formats; the ones with none (a key's value
after ``aws_secret_access_key=``) follow a separator, which the separator rule holds."""
_NEVER_NAMES = NOT_NAMES
"""Capitalised words that no name detector starts a name with."""
_CAPITALISED = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’-]*")
_NAME_CONTEXT_CHARS = 40
"""Right context the name detector reads after a capitalised word ("Lily" + " Tran", "Lily"
+ " wrote"): such a word is held until this much text follows it."""
_FULL_CHECK_CHARS = 65_536
"""Up to this length a stream's final check (and a block's confirmation) reads the whole
answer, exactly as the non-streamed path does, so both reach the same verdict."""
_GENERIC_KEY_CHARS = 12
"""The shortest value the secrets guard's generic ``key = value`` rule reports."""


def _word_may_grow_sensitive(token: str, *, names: bool) -> bool:
    """True when a later chunk could extend ``token`` (the last token of the stream so
    far) into something sensitive, so it must stay held."""
    plain = _PLAIN_WORD.fullmatch(token)
    if plain is None:
        return True  # glue characters, quotes, brackets: an address, a URL, a key, a number
    body = plain.group(1)
    if _NUMBER_LIKE.match(body):
        return True
    if any(p.startswith(body) or body.startswith(p) for p in _SECRET_PREFIXES):
        return True
    classes = sum(any(f(c) for c in body[1:]) for f in (str.islower, str.isupper, str.isdigit))
    if len(body) >= _GENERIC_KEY_CHARS and classes >= 2:
        return True
    return names and body[0].isupper() and body.lower() not in _NEVER_NAMES


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
        hold_last_token: bool = False,
    ) -> None:
        """Raises ``ValueError`` unless ``0 < hold_chars < window_chars`` and
        ``check_every > 0``. ``hold_last_token`` always holds the last token (the strict
        mode, see the module docstring)."""
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
        self._strict = hold_last_token
        pii = layer.policy.rule_for(Category.PII, role)
        self._names = pii is not None and pii.treatment in (Treatment.REDACT, Treatment.BLOCK)

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
        whole = len(self._text) <= _FULL_CHECK_CHARS
        origin = 0 if final and whole else max(0, self._released - self._window)
        region = self._text[origin:]
        verdict = self._layer.check_text(region, self._role)
        if verdict.blocked and origin and whole:
            # A window read out of its context must not stop what the whole answer so far
            # does not: confirm on everything received.
            origin, region = 0, self._text
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
        # A span that began in released text has only its unreleased part replaced.
        inside = [
            type(d)(
                category=d.category,
                score=d.score,
                start=max(origin + d.start, self._released) - self._released,
                end=origin + d.end - self._released,
                label=d.label,
            )
            for d in spans
            if origin + d.end <= cut
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
        limit = min(
            end - self._phrase, self._token_hold(end), self._groups_hold(end), self._name_hold(end)
        )
        limit = max(limit, end - self._hold)  # the most ever held back after a check
        if limit <= self._released:
            return self._released
        if limit == end and not self._strict:
            return end  # nothing to hold: the last token leaves too
        space = max(self._text.rfind(c, self._released, limit + 1) for c in " \n\t")
        if space < 0 and limit - self._released < self._window - self._hold:
            return self._released
        return max(self._released, limit if space < 0 else space)

    def _token_hold(self, end: int) -> int:
        """Where the held last token starts (``end`` when it may leave)."""
        if self._strict:
            token = _SENSITIVE_TAIL.search(self._text, self._released, end)
            return end if token is None else token.start()
        origin = max(0, self._released - self._window)
        last = _LAST_TOKEN.search(self._text, origin, end)
        if last is None or last.start() == end:
            return end
        before = self._text[max(origin, last.start() - 16) : last.start()].rstrip()
        if before.endswith((":", "=", ">")) or _word_may_grow_sensitive(
            last.group(), names=self._names
        ):
            return max(last.start(), self._released)
        return end

    def _name_hold(self, end: int) -> int:
        """Where the first capitalised word that may start or join a name, and that has
        not yet ``_NAME_CONTEXT_CHARS`` of text after it, begins (``end`` when none)."""
        if not self._names:
            return end
        lo = max(self._released, end - _NAME_CONTEXT_CHARS)
        for match in _CAPITALISED.finditer(self._text, lo, end):
            if match.group().lower().strip("'’-") not in _NEVER_NAMES:
                return match.start()
        return end

    def _groups_hold(self, end: int) -> int:
        """Where a trailing run of digit groups starts (``end`` when there is none)."""
        groups = _DIGIT_GROUPS_TAIL.search(self._text, self._released, end)
        if groups is None:
            return end
        start = groups.start()
        digits = groups.group().rstrip(" \t.()+/-")
        if not self._strict and len(digits) == 1 and start > 0 and self._text[start - 1].isalpha():
            return end  # one digit ending a word (tok0): the token rule decides
        return start

    @property
    def pseudonyms(self) -> dict[str, str]:
        """Pseudonym -> original for text released in the ``pseudonym`` style."""
        return dict(self._pseudo.mapping)
