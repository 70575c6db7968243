"""A small learned classifier: hashed character and word n-grams into a linear model.

Features are computed in numpy (rolling polynomial hashes over code points), so inference
costs about a millisecond per 1,000 characters and a few MB of memory. The weights ship as
``safety/data/classifier.npz``; ``scripts/train_safety_classifier.py`` trains them with
scikit-learn from the public sets under ``shared/data/safety`` (see ``docs/safety.md``).
"""

from __future__ import annotations

import itertools
import re
import threading
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from modelsteward.safety.interface import Hazard, SafetyError

DIMENSIONS = 1 << 17
"""Hash buckets shared by every feature family."""
CHAR_ORDERS = (3, 4, 5)
MAX_CHARS = 6000
"""Only the first and last halves of this many characters are featurised (long texts)."""
LABELS = ("injection", "jailbreak", "harmful", "doc_injection")
"""The binary heads, in column order (``doc_injection`` scores one document segment)."""
HAZARDS = tuple(Hazard)

_MULT = np.uint64(0x100000001B3)
_WORD = re.compile(r"\w+", re.UNICODE)
_SEEDS = {n: np.uint64(0x9E3779B97F4A7C15 * n % (1 << 64)) for n in (*CHAR_ORDERS, 1, 2)}

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def _clip(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    half = MAX_CHARS // 2
    return text[:half] + " " + text[-half:]


def _char_hashes(text: str) -> npt.NDArray[np.uint64]:
    padded = " " + " ".join(text.split()) + " "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts: list[npt.NDArray[np.uint64]] = []
    with np.errstate(over="ignore"):
        for order in CHAR_ORDERS:
            count = codes.size - order + 1
            if count <= 0:
                continue
            acc = np.full(count, _SEEDS[order], dtype=np.uint64)
            for i in range(order):
                acc = acc * _MULT + codes[i : i + count]
            parts.append(acc)
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    return np.concatenate(parts)


def _word_hashes(text: str) -> npt.NDArray[np.uint64]:
    words = _WORD.findall(text)
    uni = [zlib.crc32(w.encode()) for w in words]
    bi = [zlib.crc32(f"{a} {b}".encode(), 0x5BD1) for a, b in itertools.pairwise(words)]
    return np.asarray(uni + [(h << 1) | 1 for h in bi], dtype=np.uint64) * np.uint64(0x9E3779B1)


def featurize(text: str) -> tuple[IntArray, FloatArray]:
    """Bucket indices and values (log counts, L2-normalised) for an already folded text."""
    clipped = _clip(text)
    hashes = np.concatenate((_char_hashes(clipped), _word_hashes(clipped)))
    if hashes.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    with np.errstate(over="ignore"):
        mixed = (hashes ^ (hashes >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)
    buckets = (mixed >> np.uint64(40)).astype(np.int64) % DIMENSIONS
    idx, counts = np.unique(buckets, return_counts=True)
    values = np.log1p(counts.astype(np.float32))
    values /= np.float32(np.sqrt(float(values @ values)))
    return idx, values


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|\|")


def segments(text: str, *, min_chars: int = 40, max_chars: int = 600) -> list[str]:
    """Cut a document into sentence-sized pieces (short ones merged), for the document head."""
    out: list[str] = []
    buf = ""
    for piece in _SENTENCE.split(text):
        piece = piece.strip()
        if not piece:
            continue
        buf = f"{buf} {piece}" if buf else piece
        if len(buf) >= min_chars:
            out.append(buf[:max_chars])
            buf = ""
    if buf:
        if out and len(buf) < min_chars // 2:
            out[-1] = f"{out[-1]} {buf}"[:max_chars]
        else:
            out.append(buf)
    return out


@dataclass(frozen=True, slots=True)
class Scores:
    """Head probabilities for one text."""

    injection: float
    jailbreak: float
    harmful: float
    doc_injection: float
    hazard: Hazard
    hazard_score: float


class Classifier:
    """The linear heads over hashed n-grams. Immutable after loading; safe across threads."""

    def __init__(
        self,
        *,
        weights: FloatArray,
        bias: FloatArray,
        hazard_weights: FloatArray,
        hazard_bias: FloatArray,
    ) -> None:
        if weights.shape != (DIMENSIONS, len(LABELS)) or hazard_weights.shape != (
            DIMENSIONS,
            len(HAZARDS),
        ):
            raise SafetyError(
                "classifier weights have the wrong shape",
                hint="retrain with scripts/train_safety_classifier.py",
            )
        self._w = weights
        self._b = bias
        self._hw = hazard_weights
        self._hb = hazard_bias

    @classmethod
    def load(cls, path: Path | None = None) -> Classifier:
        """Load weights from ``path`` or from the packaged ``classifier.npz``.

        Raises:
            SafetyError: when the file is missing or malformed.
        """
        try:
            if path is None:
                ref = resources.files("modelsteward.safety").joinpath("data/classifier.npz")
                with ref.open("rb") as fh, np.load(fh) as data:
                    arrays = {k: data[k] for k in data.files}
            else:
                with np.load(path) as data:
                    arrays = {k: data[k] for k in data.files}
            return cls(
                weights=arrays["weights"].astype(np.float32),
                bias=arrays["bias"].astype(np.float32),
                hazard_weights=arrays["hazard_weights"].astype(np.float32),
                hazard_bias=arrays["hazard_bias"].astype(np.float32),
            )
        except (OSError, KeyError, ValueError) as exc:
            raise SafetyError(
                f"cannot load the safety classifier: {exc}",
                hint="reinstall modelsteward or retrain the classifier",
            ) from exc

    def score(self, text: str) -> Scores:
        """Probabilities of each head for an already folded text."""
        idx, values = featurize(text)
        logits = values @ self._w[idx] + self._b
        probs = 1.0 / (1.0 + np.exp(-logits))
        hz = values @ self._hw[idx] + self._hb
        hz = np.exp(hz - hz.max())
        hz /= hz.sum()
        best = int(np.argmax(hz))
        return Scores(
            injection=float(probs[0]),
            jailbreak=float(probs[1]),
            harmful=float(probs[2]),
            doc_injection=float(probs[3]),
            hazard=HAZARDS[best],
            hazard_score=float(hz[best]),
        )


_DEFAULT: Classifier | None = None
_LOCK = threading.Lock()


def default_classifier() -> Classifier:
    """The packaged classifier, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = Classifier.load()
    return _DEFAULT
