"""Undo the obfuscations attackers use before any detector looks at a text.

``normalize`` folds Unicode compatibility forms (NFKC), drops zero-width and other invisible
characters, maps homoglyphs (Cyrillic, Greek and other look-alikes) and leetspeak onto ASCII
letters, and decodes embedded base64, hex and ROT13 payloads. Detectors then read the folded
text and every decoded payload.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
import unicodedata
from dataclasses import dataclass

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
# Look-alike letters NFKC leaves alone (Cyrillic, Greek, Armenian, Latin extensions).
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "һ": "h",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "У": "Y",
        "Х": "X",
        "Ѕ": "S",
        "І": "I",
        "Ј": "J",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
        "ı": "i",
        "ȷ": "j",
        "ℓ": "l",
        "∅": "o",
        "ǀ": "l",
    }
)
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "8": "b",
        "9": "g",
        "+": "t",
    }
)
_TOKEN = re.compile(r"\S+")
_LEET_PAIR = re.compile(r"[a-zA-Z][013457@$!|89+]|[013457@$!|89+][a-zA-Z]")
"""A letter next to a leet character: the sign of a leetspeak word."""
_LEET_MAX = 40
"""Longer tokens (a URL, a key, a run of one character) are never unleeted."""
_LEET_CHARS = re.compile(r"[013457@$!|89+]")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:(?:0x)?[0-9A-Fa-f]{2}[\s:,\\x]{0,3}){8,}")
_WORD = re.compile(r"[a-z]+")
_COMMON = frozenset(
    "the be to of and a in that have i it for not on with he as you do at this but his by from "  # noqa: SIM905
    "they we say her she or an will my one all would there their what so up out if about who "
    "get which go me when make can like time no just him know take people into year your good "
    "some could them see other than then now look only come its over think also back after use "
    "two how our work first well way even new want because any these give day most us is are "
    "was were has had been tell said ignore previous instructions write how explain please".split()
)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
"""Combining marks (the blocks NFKD splits Latin, Greek and Cyrillic accents into)."""
_ROT13_HINT = re.compile(r"rot[\s_-]?13|caesar|cipher", re.IGNORECASE)


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """``text`` with every lone surrogate (which no encoder accepts: a JSON ``"\\ud800"``,
    an argv byte decoded with ``surrogateescape``) replaced by U+FFFD, one character for
    one, so offsets into the text stay valid."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text after folding, with every payload decoded from it."""

    original: str
    folded: str
    """NFKC, invisibles removed, homoglyphs and leetspeak mapped to ASCII, lowercased."""
    decoded: tuple[str, ...] = ()
    """Plain texts recovered from base64, hex and ROT13 payloads (already folded)."""
    tricks: tuple[str, ...] = ()
    """The obfuscations seen: ``invisible``, ``homoglyph``, ``leetspeak``, ``base64``..."""

    @property
    def views(self) -> tuple[str, ...]:
        """Every text a detector should read: the folded text, then each decoded payload."""
        return (self.folded, *self.decoded)


def fold(text: str) -> tuple[str, tuple[str, ...]]:
    """Fold ``text`` to lowercase ASCII-like letters and say which tricks were undone."""
    tricks: list[str] = []
    out = unicodedata.normalize("NFKC", text)
    stripped = _INVISIBLE.sub("", out)
    if stripped != out:
        tricks.append("invisible")
    mapped = stripped.translate(_HOMOGLYPHS)
    if mapped != stripped:
        tricks.append("homoglyph")
    # One pass over whitespace-separated tokens: a pattern with a leading and trailing
    # ``\S*`` around the letter-leet pair backtracks quadratically on a long token.
    unleet = _TOKEN.sub(_unleet_token, mapped)
    if unleet != mapped:
        tricks.append("leetspeak")
    return unleet.lower(), tuple(tricks)


def strip_accents(text: str) -> str:
    """``text`` without combining accents (``é`` -> ``e``), for accent-blind rules."""
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _unleet_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) > _LEET_MAX or _LEET_PAIR.search(token) is None:
        return token
    core = token.strip(".,;:!?()[]{}\"'")
    if len(core) > 24 or "://" in core or ("@" in core and "." in core):
        return token
    # Only words made of letters and leet characters, like "h4ck", "p0150n" or "1gn0re";
    # numbers, prices and tokens with other symbols ("$5", "v1.2", "a-4") stay as written.
    letters = sum(c.isalpha() for c in core)
    leet = len(_LEET_CHARS.findall(core))
    others = len(core) - letters - leet - core.count("'")
    if leet == 0 or letters == 0 or others or not core[0].isalnum() or len(core) < 3:
        return token
    return token.replace(core, core.translate(_LEET))


def english_ratio(text: str) -> float:
    """The share of words that are common English words (a cheap language signal)."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0.0
    return sum(w in _COMMON for w in words) / len(words)


def _printable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or sum(c.isprintable() or c.isspace() for c in text) < 0.95 * len(text):
        return None
    if sum(c.isalpha() for c in text) < 0.5 * len(text.replace(" ", "")):
        return None
    return text


def _decode_base64(token: str) -> str | None:
    padded = token + "=" * (-len(token) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    text = _printable(raw)
    return text if text is not None and " " in text else None


def _decode_hex(token: str) -> str | None:
    digits = re.sub(r"0x|\\x|[\s:,]", "", token)
    if len(digits) % 2:
        digits = digits[:-1]
    try:
        return _printable(bytes.fromhex(digits))
    except ValueError:
        return None


def decode_payloads(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Plain texts hidden in ``text`` as base64, hex or ROT13, and the tricks found."""
    found: list[str] = []
    tricks: list[str] = []
    for match in _BASE64.finditer(text):
        decoded = _decode_base64(match.group(0))
        if decoded is not None:
            found.append(decoded)
            tricks.append("base64")
    for match in _HEX.finditer(text):
        decoded = _decode_hex(match.group(0))
        if decoded is not None:
            found.append(decoded)
            tricks.append("hex")
    if _ROT13_HINT.search(text) or (len(text) >= 12 and english_ratio(text) < 0.12):
        rotated = codecs.decode(text, "rot13")
        if english_ratio(rotated) > max(0.2, english_ratio(text) + 0.1):
            found.append(rotated)
            tricks.append("rot13")
    return tuple(found), tuple(dict.fromkeys(tricks))


@functools.lru_cache(maxsize=512)
def normalize(text: str, *, max_depth: int = 2) -> NormalizedText:
    """Fold ``text`` and decode its payloads (payloads inside payloads up to ``max_depth``)."""
    text = scrub(text)
    folded, tricks = fold(text)
    decoded: list[str] = []
    all_tricks = list(tricks)
    frontier = [unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))]
    for _ in range(max_depth):
        next_frontier: list[str] = []
        for item in frontier:
            payloads, found = decode_payloads(item)
            all_tricks.extend(found)
            next_frontier.extend(payloads)
        decoded.extend(fold(p)[0] for p in next_frontier)
        frontier = next_frontier
        if not frontier:
            break
    return NormalizedText(
        original=text,
        folded=folded,
        decoded=tuple(dict.fromkeys(d for d in decoded if d != folded)),
        tricks=tuple(dict.fromkeys(all_tricks)),
    )
