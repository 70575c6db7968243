"""Fast alignment of two mostly identical token sequences (patience-style).

Runs of five tokens that occur exactly once in each sequence are anchors; the longest chain
of anchors in the same order on both sides fixes the bulk of the alignment in
O(n log n), and only the short gaps between anchors go through difflib. A plain
``SequenceMatcher`` over two 3,000-token license texts costs tens of milliseconds; this
costs about one.
"""

from __future__ import annotations

from collections import Counter
from difflib import Match, SequenceMatcher
from functools import lru_cache

_K = 5
_MAX_RUNS = 400
"""Runs kept for chaining (the longest ones); chaining is quadratic in their number."""
_GAP_LIMIT = 4000
"""Gaps larger than this on both sides are left unmatched (another text, not an edit)."""

Seq = tuple[int, ...]


def _grams(seq: Seq) -> list[int]:
    return list(map(hash, zip(*(seq[i:] for i in range(_K)), strict=False)))


def _runs(pairs: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Collapse anchor pairs on one diagonal into runs (i, j, count)."""
    runs: list[tuple[int, int, int]] = []
    for i, j in pairs:
        if runs:
            ri, rj, n = runs[-1]
            if i == ri + n and j == rj + n:
                runs[-1] = (ri, rj, n + 1)
                continue
        runs.append((i, j, 1))
    return runs


def _chain(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The heaviest chain of anchor runs increasing on both sides, as anchor pairs."""
    runs = _runs(pairs)
    if len(runs) > _MAX_RUNS:
        runs.sort(key=lambda r: r[2], reverse=True)
        runs = sorted(runs[:_MAX_RUNS])
    best = [n for _, _, n in runs]
    parent = [-1] * len(runs)
    for k, (i, j, n) in enumerate(runs):
        for m in range(k):
            pi, pj, pn = runs[m]
            if pi + pn <= i and pj + pn <= j and best[m] + n > best[k]:
                best[k], parent[k] = best[m] + n, m
    cursor = max(range(len(runs)), key=best.__getitem__) if runs else -1
    chain: list[tuple[int, int, int]] = []
    while cursor != -1:
        chain.append(runs[cursor])
        cursor = parent[cursor]
    return [(i + d, j + d) for i, j, n in reversed(chain) for d in range(n)]


@lru_cache(maxsize=256)
def _unique_positions(seq: Seq) -> dict[int, int]:
    """n-gram -> position, for n-grams that occur once (cached: ``b`` is a canonical text)."""
    grams = _grams(seq)
    counts = Counter(grams)
    return {g: j for j, g in enumerate(grams) if counts[g] == 1}


def _anchor_blocks(a: Seq, b: Seq) -> list[tuple[int, int, int]]:
    grams_a = _grams(a)
    count_a = Counter(grams_a)
    where_b = _unique_positions(b)
    pairs = [(i, where_b[g]) for i, g in enumerate(grams_a) if count_a[g] == 1 and g in where_b]
    blocks: list[tuple[int, int, int]] = []
    for i, j in _chain(pairs):
        if blocks:
            bi, bj, size = blocks[-1]
            if i - bi == j - bj and i <= bi + size:
                blocks[-1] = (bi, bj, i + _K - bi)
                continue
            if i < bi + size or j < bj + size:
                continue
        blocks.append((i, j, _K))
    return blocks


def _extend(a: Seq, b: Seq, blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Grow each block over equal neighbours (anchors stop at repeated n-grams)."""
    out: list[tuple[int, int, int]] = []
    for index, (i, j, size) in enumerate(blocks):
        low_a, low_b = (out[-1][0] + out[-1][2], out[-1][1] + out[-1][2]) if out else (0, 0)
        while i > low_a and j > low_b and a[i - 1] == b[j - 1]:
            i, j, size = i - 1, j - 1, size + 1
        high_a, high_b = (
            (blocks[index + 1][0], blocks[index + 1][1])
            if index + 1 < len(blocks)
            else (len(a), len(b))
        )
        while i + size < high_a and j + size < high_b and a[i + size] == b[j + size]:
            size += 1
        out.append((i, j, size))
    return out


def matching_blocks(a: Seq, b: Seq) -> list[Match]:
    """Blocks where ``a`` and ``b`` agree, in order, without the zero-size sentinel."""
    anchors = _extend(a, b, _anchor_blocks(a, b))
    out: list[Match] = []
    ca = cb = 0
    for i, j, size in [*anchors, (len(a), len(b), 0)]:
        if i > ca and j > cb and (i - ca <= _GAP_LIMIT or j - cb <= _GAP_LIMIT):
            matcher = SequenceMatcher(None, a[ca:i], b[cb:j], autojunk=False)
            out.extend(
                Match(ca + m.a, cb + m.b, m.size) for m in matcher.get_matching_blocks() if m.size
            )
        if size:
            out.append(Match(i, j, size))
        ca, cb = i + size, j + size
    return out
