"""Align a user's text with a canonical fingerprint and classify what differs.

Alignment works on word hashes, so reformatting never shows up as a difference while every
changed, inserted or deleted word does. The user's words are quoted from their own file;
the canonical side is named by its section (the texts themselves are not shipped).
"""

from __future__ import annotations

import enum
import itertools
import re
from dataclasses import dataclass
from difflib import Match

from modelsteward.licenses.anchors import matching_blocks
from modelsteward.licenses.kb import Fingerprint
from modelsteward.licenses.normalize import Tokens

_MIN_BLOCK = 3
"""Matching runs shorter than this are chance agreements of common words."""
_COPYRIGHT_LINE = re.compile(r"[^\w\n]{0,24}copyright\b", re.IGNORECASE)


class TextStatus(enum.StrEnum):
    """How a license text compares with its canonical version."""

    EXACT = "exact"
    REFORMATTED = "reformatted"
    MODIFIED = "modified"
    TRUNCATED = "truncated"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class DiffKind(enum.StrEnum):
    """What happened to a passage."""

    CHANGED = "changed"
    INSERTED = "inserted"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """One passage where the user's text departs from the canonical one."""

    kind: DiffKind
    section: str
    """The canonical section where it happens."""
    found: str
    """The user's words (empty for a deletion)."""
    canonical_words: int
    """How many canonical words were replaced or deleted."""
    line: int
    """1-based line in the user's file."""

    def describe(self) -> str:
        """One human sentence."""
        if self.kind is DiffKind.DELETED:
            return f"section {self.section}: {self.canonical_words} word(s) deleted"
        if self.kind is DiffKind.INSERTED:
            return f"section {self.section}: text inserted: “{self.found}”"
        return f"section {self.section}: {self.canonical_words} word(s) replaced by “{self.found}”"


@dataclass(frozen=True, slots=True, kw_only=True)
class Alignment:
    """The result of aligning tokens ``start..end`` of a user text with a fingerprint."""

    start: int
    end: int
    blocks: tuple[tuple[int, int, int], ...]
    """Matching runs as (user index, canonical index, length)."""
    differences: tuple[Difference, ...]
    missing_head: int
    """Canonical words missing before the first match."""
    missing_tail: int
    """Canonical words missing after the last match."""

    @property
    def status(self) -> TextStatus:
        """``modified`` for any inner difference, ``truncated`` for missing ends only."""
        if self.differences:
            return TextStatus.MODIFIED
        if self.missing_head or self.missing_tail:
            return TextStatus.TRUNCATED
        return TextStatus.REFORMATTED

    def user_range(self, canon_start: int, canon_end: int) -> tuple[int, int] | None:
        """The user tokens aligned with canonical ``canon_start..canon_end``, when fully
        matched."""
        for u, c, size in self.blocks:
            if c <= canon_start and canon_end <= c + size:
                return u + canon_start - c, u + canon_end - c
        return None


def align(tokens: Tokens, start: int, end: int, fingerprint: Fingerprint) -> Alignment | None:
    """Align user tokens ``start..end`` with ``fingerprint``; None when nothing matches."""
    user = tokens.hashes[start:end]
    canon = fingerprint.hashes
    if user == canon:
        return Alignment(
            start=start,
            end=end,
            blocks=((start, 0, len(canon)),),
            differences=(),
            missing_head=0,
            missing_tail=0,
        )
    blocks = _trim([b for b in matching_blocks(user, canon) if b.size >= _MIN_BLOCK])
    if not blocks:
        return None
    u0, u1 = blocks[0].a, blocks[-1].a + blocks[-1].size
    c0, c1 = blocks[0].b, blocks[-1].b + blocks[-1].size
    diffs = _differences(tokens, start, blocks, fingerprint)
    tail = len(canon) - c1
    return Alignment(
        start=start + u0,
        end=start + u1,
        blocks=tuple((start + b.a, b.b, b.size) for b in blocks),
        differences=tuple(diffs),
        missing_head=0 if c0 and fingerprint.is_variable(0, c0) else c0,
        missing_tail=0 if tail and fingerprint.is_variable(c1, len(canon)) else tail,
    )


def _trim(blocks: list[Match]) -> list[Match]:
    """Drop small runs far outside the bulk of the match (chance hits in a neighbouring
    text), so that another license in the same file is not taken for an insertion."""
    while len(blocks) > 1:
        last, before = blocks[-1], blocks[-2]
        gap = last.a - (before.a + before.size)
        if gap > 40 and last.size * 4 < gap:
            blocks.pop()
        else:
            break
    while len(blocks) > 1:
        first, after = blocks[0], blocks[1]
        gap = after.a - (first.a + first.size)
        if gap > 40 and first.size * 4 < gap:
            blocks.pop(0)
        else:
            break
    return blocks


def _differences(
    tokens: Tokens, offset: int, blocks: list[Match], fingerprint: Fingerprint
) -> list[Difference]:
    out: list[Difference] = []
    for prev, nxt in itertools.pairwise(blocks):
        pa, pb, ps = prev.a, prev.b, prev.size
        na, nb = nxt.a, nxt.b
        u_start, u_end = offset + pa + ps, offset + na
        c_start, c_end = pb + ps, nb
        if u_start == u_end and c_start == c_end:
            continue
        if _benign(tokens, u_start, u_end, fingerprint, c_start, c_end):
            continue
        if u_start == u_end:
            kind = DiffKind.DELETED
        elif c_start == c_end:
            kind = DiffKind.INSERTED
        else:
            kind = DiffKind.CHANGED
        out.append(
            Difference(
                kind=kind,
                section=fingerprint.section_at(c_start),
                found=tokens.quote(u_start, u_end),
                canonical_words=c_end - c_start,
                line=tokens.offset_line(u_start if u_end > u_start else max(u_start - 1, 0)),
            )
        )
    return out


def _benign(
    tokens: Tokens, u_start: int, u_end: int, fingerprint: Fingerprint, c_start: int, c_end: int
) -> bool:
    """A different copyright holder or year on a copyright line, or a renumbered heading or
    list item, is not an edit."""
    if _renumbered(tokens, u_start, u_end, fingerprint, c_start, c_end):
        return True
    if c_end > c_start and not fingerprint.is_variable(c_start, c_end):
        return False
    if u_end == u_start:
        return c_end > c_start
    text = tokens.text
    for index in range(u_start, u_end):
        line_start = text.rfind("\n", 0, tokens.spans[index][0]) + 1
        if not _COPYRIGHT_LINE.match(text, line_start):
            return False
    return True


def _renumbered(
    tokens: Tokens, u_start: int, u_end: int, fingerprint: Fingerprint, c_start: int, c_end: int
) -> bool:
    """True when the passages differ only in heading or list numbers and in web addresses
    dropped or added (a link target), not in words."""
    if u_end - u_start > 40 or c_end - c_start > 40:
        return False
    user_urls = [tokens.hashes[i] for i in range(u_start, u_end) if tokens.is_url(i)]
    canon_urls = [fingerprint.hashes[j] for j in range(c_start, c_end) if j in fingerprint.urls]
    if user_urls and canon_urls and user_urls != canon_urls:
        return False
    user = [
        tokens.hashes[i]
        for i in range(u_start, u_end)
        if not tokens.is_numbering(i) and not tokens.is_url(i)
    ]
    canon = [
        fingerprint.hashes[j]
        for j in range(c_start, c_end)
        if j not in fingerprint.numbering and j not in fingerprint.urls
    ]
    return user == canon
