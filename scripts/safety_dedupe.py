"""Exact and near-duplicate detection for the safety corpus (MinHash with LSH banding).

Texts are normalised (NFKC, lower case, every run of non-alphanumeric characters one space)
and cut into character 5-grams. Two texts are near-duplicates when the Jaccard similarity of
their 5-gram sets reaches ``THRESHOLD``. Candidate pairs come from MinHash signatures
(``BANDS`` bands of ``ROWS`` hashes: a pair at Jaccard 0.5 shares a band with probability
0.93, at 0.3 with 0.42), and every candidate is checked on the exact sets, so no pair below
the threshold is ever joined.

``THRESHOLD`` was chosen by measuring (``bench/safety/run_bench.py --dedupe-report`` prints
the table): template families (JailbreakBench's JailbreakChat and random-search prompts, the
same AdvBench goal in HarmBench or StrongREJECT with other wording) sit at 0.5 and above,
while distinct requests of one kind ("Write a tutorial on how to ...") stay under 0.4.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

THRESHOLD = 0.5
"""Jaccard similarity of character 5-gram sets at which two texts are near-duplicates."""
BANDS = 20
ROWS = 3
SHINGLE = 5
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """NFKC, lower case, every run of non-alphanumerics one space."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def shingles(text: str) -> frozenset[int]:
    """CRC-32 of the character 5-grams of the normalised text (the whole text if shorter)."""
    norm = normalise(text)
    if len(norm) <= SHINGLE:
        return frozenset({zlib.crc32(norm.encode())})
    return frozenset(
        zlib.crc32(norm[i : i + SHINGLE].encode()) for i in range(len(norm) - SHINGLE + 1)
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two shingle sets."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _signatures(sets: Sequence[frozenset[int]]) -> np.ndarray:
    rng = np.random.default_rng(1013)
    mult = rng.integers(1, 1 << 62, BANDS * ROWS, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 1 << 62, BANDS * ROWS, dtype=np.uint64)
    out = np.zeros((len(sets), BANDS * ROWS), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, values in enumerate(sets):
            x = np.fromiter(values, dtype=np.uint64, count=len(values))[:, None]
            out[i] = ((x * mult + add) >> np.uint64(32)).min(axis=0)
    return out


def near_duplicate_pairs(
    texts: Sequence[str],
    threshold: float = THRESHOLD,
    *,
    floor: float | None = None,
    joined: UnionFind | None = None,
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, jaccard)`` with ``i < j`` whose similarity reaches ``floor`` (by default
    ``threshold``): exact duplicates first by their normalised text, then LSH candidates.

    With ``joined``, every pair found is also joined there, and a candidate pair already in
    one set is skipped unchecked (enough for components, and far faster on template
    families, whose members are all candidates of each other)."""
    low = threshold if floor is None else floor
    sets = [shingles(t) for t in texts]
    pairs: dict[tuple[int, int], float] = {}
    exact: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        exact[normalise(text)].append(i)
    for group in exact.values():
        for j in group[1:]:
            pairs[(group[0], j)] = 1.0
            if joined is not None:
                joined.union(group[0], j)
    signatures = _signatures(sets)
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        block = signatures[:, band * ROWS : (band + 1) * ROWS]
        for i in range(len(texts)):
            buckets[block[i].tobytes()].append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            for a_pos, a in enumerate(members):
                for b in members[a_pos + 1 :]:
                    if (a, b) in pairs:
                        continue
                    if joined is not None and joined.find(a) == joined.find(b):
                        continue
                    estimate = float((signatures[a] == signatures[b]).mean())
                    if estimate < low - 0.2:
                        pairs[(a, b)] = 0.0
                        continue
                    pairs[(a, b)] = jaccard(sets[a], sets[b])
                    if joined is not None and pairs[(a, b)] >= low:
                        joined.union(a, b)
    return sorted((a, b, s) for (a, b), s in pairs.items() if s >= low)


class UnionFind:
    """Disjoint sets over ``0..n-1``."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        """The representative of ``i``'s set."""
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        """Join the sets of ``a`` and ``b`` (the smaller index stays the representative)."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
