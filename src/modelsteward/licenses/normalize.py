"""Turn a license text into a sequence of word tokens that survives reformatting.

Whitespace, line wrapping, CRLF, markdown decoration, punctuation and typographic quotes
carry no meaning for identification, so a token is a run of letters and digits, compared
case-insensitively after NFKC folding. Every token keeps its character span in the
original text, so that differing passages can be quoted in the user's own words.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import zlib

_WORD = re.compile(r"[^\W_]+")
NUMBERING = re.compile(
    r"[\s#*>|_(\[-]{0,24}(?:(?:section|article|part|chapter|paragraph)\s+)?"
    r"(?:[ivxlc]{1,6}|\d{1,3}(?:\.\d{1,3}){0,3}|[a-z])[.):\]]?(?:[\s*]|$)",
    re.IGNORECASE,
)
"""The number of a heading or list item at the start of a line ("I.", "2.1", "(a)",
"Section 3"): copies of a license renumber these freely."""
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,15}(?:\s[^<>]{0,200})?/?>")
"""An HTML tag (markdown copies wrap passages in ``<span>``, ``<br>``...): markup, not words."""


def _mask(text: str) -> str:
    """``text`` with HTML tags blanked out (same length, so offsets still hold)."""
    if "<" not in text:
        return text
    return _TAG.sub(lambda m: " " * len(m.group()), text)


URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
"""A web address: copies drop or add link targets (markdown links, stripped URLs)."""
SHINGLE = 5
"""Tokens per shingle used for candidate selection."""


def token_hash(token: str) -> int:
    """A stable 32-bit hash of one normalised token (the same at build and at run time)."""
    return zlib.crc32(token.encode("utf-8"))


class Tokens:
    """A text as hashed word tokens; character spans are computed on first use."""

    __slots__ = ("_spans", "_urls", "hashes", "text")

    def __init__(self, text: str, hashes: tuple[int, ...]) -> None:
        self.text = text
        self.hashes = hashes
        self._spans: tuple[tuple[int, int], ...] | None = None
        self._urls: list[tuple[int, int]] | None = None

    def is_url(self, index: int) -> bool:
        """True when token ``index`` lies inside a web address."""
        if self._urls is None:
            self._urls = [m.span() for m in URL.finditer(self.text)]
        start, end = self.spans[index]
        at = bisect.bisect_right(self._urls, (start, 1 << 62)) - 1
        return at >= 0 and self._urls[at][0] <= start and end <= self._urls[at][1]

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """The (start, end) character offsets of every token in ``text``."""
        if self._spans is None:
            self._spans = tuple([m.span() for m in _WORD.finditer(_mask(self.text))])
        return self._spans

    def quote(self, start: int, end: int, *, limit: int = 240) -> str:
        """The original words of tokens ``start..end`` (exclusive), whitespace collapsed."""
        spans = self.spans
        if start >= end or start >= len(spans):
            return ""
        end = min(end, len(spans))
        raw = self.text[spans[start][0] : spans[end - 1][1]]
        text = " ".join(raw.split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def is_numbering(self, index: int) -> bool:
        """True when token ``index`` only numbers a heading or list item at a line start."""
        start, end = self.spans[index]
        line_start = self.text.rfind("\n", 0, start) + 1
        m = NUMBERING.match(self.text, line_start)
        return m is not None and end <= m.end()

    def offset_line(self, index: int) -> int:
        """The 1-based line number where token ``index`` starts."""
        spans = self.spans
        if not spans:
            return 1
        index = min(index, len(spans) - 1)
        return self.text.count("\n", 0, spans[index][0]) + 1


def _fold(word: str) -> str:
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).casefold()


def tokenize(text: str) -> Tokens:
    """Split ``text`` into hashed, case-folded word tokens."""
    original = text
    text = _mask(text)
    lowered = text.lower()
    if len(lowered) == len(text):
        found = _WORD.findall(lowered)
        if not lowered.isascii():
            found = [w if w.isascii() else _fold(w) for w in found]
    else:  # a few characters lower-case to two; fold word by word
        found = [_fold(w) for w in _WORD.findall(text)]
    return Tokens(original, tuple(map(zlib.crc32, map(str.encode, found))))


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (for building fingerprints and anchors)."""
    return [_fold(m.group()) for m in _WORD.finditer(_mask(text))]


def shingles(hashes: tuple[int, ...]) -> set[int]:
    """The hash of every window of ``SHINGLE`` consecutive token hashes (hashed once, so
    that set operations compare plain integers)."""
    h = hashes
    return set(map(hash, zip(h, h[1:], h[2:], h[3:], h[4:], strict=False)))
