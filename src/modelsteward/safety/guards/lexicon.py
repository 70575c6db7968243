"""The person-name lexicon: fingerprinted word lists, a gazetteer of place names
and a character n-gram word model.

``safety/data/names.npz`` is built by ``scripts/build_name_model.py``. It holds CRC-32
fingerprints of given names, surnames, common lower-case words and place tokens, and the
weights of a logistic model that scores how name-like a word is from its character n-grams.
``safety/data/places.npz`` (``scripts/build_gazetteer.py``) holds the fingerprints of whole
place names. Nothing is downloaded; the files load once per process (about 1 MB).
"""

from __future__ import annotations

import math
import threading
import zlib
from functools import lru_cache
from importlib import resources

import numpy as np

NGRAM_DIMENSIONS = 1 << 17
NGRAM_ORDERS = (2, 3, 4, 5)


def fingerprint(word: str) -> int:
    """The 32-bit fingerprint of a lower-cased word."""
    return zlib.crc32(word.lower().encode("utf-8"))


def ngram_buckets(word: str) -> list[int]:
    """Hash buckets of the character n-grams of ``<word>`` (lower-cased)."""
    padded = "<" + word.lower() + ">"
    mask = NGRAM_DIMENSIONS - 1
    out: list[int] = []
    for order in NGRAM_ORDERS:
        for i in range(len(padded) - order + 1):
            out.append(zlib.crc32(padded[i : i + order].encode("utf-8")) & mask)
    return out


class Lexicon:
    """Membership tests and the word model, read from ``names.npz``."""

    def __init__(self) -> None:
        ref = resources.files("modelsteward.safety") / "data" / "names.npz"
        with resources.as_file(ref) as path, np.load(path) as data:
            self.given = frozenset(data["given"].tolist())
            self.surname = frozenset(data["surname"].tolist())
            self.common = frozenset(data["common"].tolist())
            self.place = frozenset(data["place"].tolist())
            self._weights: list[float] = data["weights"].astype(np.float64).tolist()
            self._bias = float(data["bias"][0])
        ref = resources.files("modelsteward.safety") / "data" / "places.npz"
        with resources.as_file(ref) as path, np.load(path) as data:
            self.gazetteer = frozenset(data["places"].tolist())
            """Fingerprints of whole place names: countries, regions, states, cities."""
        self.word_model = lru_cache(maxsize=65536)(self._word_model)

    def _word_model(self, word: str) -> float:
        buckets = ngram_buckets(word)
        weights = self._weights
        z = self._bias + sum(weights[b] for b in buckets)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


_LOCK = threading.Lock()
_LEXICON: Lexicon | None = None


def lexicon() -> Lexicon:
    """The process-wide lexicon, loaded on first use."""
    global _LEXICON
    if _LEXICON is None:
        with _LOCK:
            if _LEXICON is None:
                _LEXICON = Lexicon()
    return _LEXICON
