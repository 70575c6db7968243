"""Turn a license text into a sequence of word tokens that survives reformatting.

Whitespace, line wrapping, CRLF, markdown decoration, punctuation and typographic quotes
carry no meaning for identification, so a token is a run of letters and digits, compared
case-insensitively after NFKC folding. Every token keeps its character span in the
original text, so that differing passages can be quoted in the user's own words.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")
SHINGLE = 5
"""Tokens per shingle used for candidate selection."""


def token_hash(token: str) -> int:
    """A stable 32-bit hash of one normalised token (the same at build and at run time)."""
    return zlib.crc32(token.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text as hashed word tokens with their spans in the original text."""

    text: str
    hashes: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]

    def __len__(self) -> int:
        return len(self.hashes)

    def quote(self, start: int, end: int, *, limit: int = 240) -> str:
        """The original words of tokens ``start..end`` (exclusive), whitespace collapsed."""
        if start >= end or start >= len(self.spans):
            return ""
        end = min(end, len(self.spans))
        raw = self.text[self.spans[start][0] : self.spans[end - 1][1]]
        text = " ".join(raw.split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def offset_line(self, index: int) -> int:
        """The 1-based line number where token ``index`` starts."""
        if not self.spans:
            return 1
        index = min(index, len(self.spans) - 1)
        return self.text.count("\n", 0, self.spans[index][0]) + 1


def _fold(word: str) -> str:
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).casefold()


def tokenize(text: str) -> Tokens:
    """Split ``text`` into hashed, case-folded word tokens."""
    hashes: list[int] = []
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        hashes.append(token_hash(_fold(match.group())))
        spans.append(match.span())
    return Tokens(text, tuple(hashes), tuple(spans))


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (for building fingerprints and anchors)."""
    return [_fold(m.group()) for m in _WORD.finditer(text)]


Shingle = tuple[int, int, int, int, int]


def shingles(hashes: tuple[int, ...]) -> set[Shingle]:
    """Every window of ``SHINGLE`` consecutive token hashes."""
    h = hashes
    return set(zip(h, h[1:], h[2:], h[3:], h[4:], strict=False))
