"""Build the person-name lexicon and word model: ``src/modelsteward/safety/data/names.npz``.

Usage: ``.venv/bin/python scripts/build_name_model.py [--out PATH]`` (needs ``mimesis`` and
``pyspellchecker``, both MIT-licensed, from the dev dependency group).

What ships is derived, never copied text:

- ``given``, ``surname``: CRC-32 fingerprints of the given names and surnames of every
  mimesis locale (lower-cased tokens);
- ``common``: fingerprints of ordinary words, the words a capitalised sentence start or a
  title can hide: the most frequent words of pyspellchecker's dictionaries in seven
  languages and the words seen in lower case inside running text (mimesis sample texts, the
  licensed safety training split, the model license texts); a name counts as common only
  when it is among the most frequent words or seen in lower case in running text;
- ``place``: fingerprints of country, city, state and street-name tokens of every locale;
- ``weights``/``bias``: a logistic model over hashed character n-grams of one word that
  says how name-like an unseen word is (surname endings such as -ova, -sson, -nen, -ski).

The person-name evaluation sample in ``bench/safety`` is generated with Faker, a different
generator with its own lists; nothing here reads it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))

from safety_corpus import ROOT, document_segment_samples, training_samples

from modelsteward.safety.guards.lexicon import NGRAM_DIMENSIONS, fingerprint, ngram_buckets

OUT = ROOT / "src" / "modelsteward" / "safety" / "data" / "names.npz"
LICENSES = ROOT.parent / "shared" / "data" / "model-licenses"
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_LOWER_MID = re.compile(r"(?<=[^\s.!?]\s)([^\W\d_A-Z][\w'’-]*)")
"""A word in lower case that does not start a sentence."""


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g".split(),  # noqa: E501, SIM905
        strict=True,
    )
)
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώ",
        "a v g d e z i th i k l m n x o p r s s t y f ch ps o a e i i o y o".split(),  # noqa: SIM905
        strict=True,
    )
)


def transliterate(word: str) -> str:
    """Latin spelling of a Cyrillic or Greek word (a plain letter-by-letter scheme)."""
    table = _CYRILLIC if any(c in _CYRILLIC for c in word) else _GREEK
    return "".join(table.get(c, c) for c in word.lower()).replace("_", "")


def _tokens(values: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for value in values:
        for word in _WORD.findall(value):
            if len(word) > 1:
                out.add(word.lower())
                if not word.isascii():
                    latin = transliterate(word)
                    if latin.isascii():
                        out.add(latin)
    return out


def _json(path: Path) -> dict[str, object]:
    """A mimesis dataset file, or nothing when the locale lacks it."""
    if not path.exists():
        return {}
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _field(data: dict[str, object], *keys: str) -> list[str]:
    """Every string under ``keys`` (nested lists and dicts flattened)."""
    return [value for key in keys for value in _strings(data.get(key, []))]


def mimesis_tables() -> tuple[set[str], set[str], set[str], set[str], list[str]]:
    """Given names, surnames, place tokens, other known non-name tokens, sample texts."""
    import mimesis

    base = Path(mimesis.__file__).parent / "datasets"
    given: set[str] = set()
    surnames: set[str] = set()
    places: set[str] = set()
    whole_places: set[str] = set()
    other: set[str] = set()
    texts: list[str] = []
    for locale in sorted(p for p in base.iterdir() if p.is_dir()):
        person = _json(locale / "person.json")
        given |= _tokens(_field(person, "names"))
        surnames |= _tokens(_field(person, "surnames"))
        other |= _tokens(_field(person, "occupation", "university"))
        places |= _tokens(_field(person, "nationality", "language"))
        address = _field(_json(locale / "address.json"), "city", "country", "state", "continent")
        places |= _tokens(address)
        whole_places |= _tokens(v for v in address if len(_WORD.findall(v)) == 1)
        other |= _tokens(_field(_json(locale / "finance.json"), "company", "banks"))
        texts.extend(_field(_json(locale / "text.json"), "questions", "text", "quotes", "answers"))
    # A word of a many-word place name ("San Antonio", "Johnson City") is no evidence
    # against a name; a one-word place name ("Dolores") is.
    places = (places - given - surnames) | whole_places
    return given, surnames, places, other, texts


def running_texts(extra: list[str]) -> list[str]:
    """Running text in which words appear in their ordinary case."""
    texts = list(extra)
    texts.extend(s.text for s in training_samples())
    texts.extend(s.text for s in document_segment_samples())
    if LICENSES.is_dir():
        texts.extend(
            p.read_text(encoding="utf-8", errors="replace") for p in sorted(LICENSES.rglob("*.txt"))
        )
        texts.extend(
            p.read_text(encoding="utf-8", errors="replace") for p in sorted(LICENSES.rglob("*.md"))
        )
    return texts


def common_words(texts: Iterable[str], *, minimum: int = 2) -> set[str]:
    """Words seen in lower case inside a sentence at least ``minimum`` times."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(m.group(1) for m in _LOWER_MID.finditer(text))
    return {w for w, n in counts.items() if n >= minimum and len(w) > 1}


DICTIONARY_SIZES = {
    "en": 60000,
    "de": 25000,
    "fr": 25000,
    "es": 25000,
    "it": 25000,
    "nl": 25000,
    "pt": 25000,
}
"""How many of the most frequent words of each pyspellchecker dictionary count as common."""
AMBIGUOUS_SIZES = {"en": 40000}
"""Names among this many most frequent words stay common too ("will", "billing", "young"),
so they need context; other languages' dictionaries hold names among their frequent words
(film subtitles), so only their 8,000 most frequent words count."""


NAME_LIKE_LOGIT = 2.2
"""Word-model logit (probability 0.9) above which a dictionary tail word is not common."""


def dictionary_words() -> tuple[set[str], set[str]]:
    """The most frequent words of pyspellchecker's dictionaries (MIT), and the very frequent."""
    import gzip

    import spellchecker

    base = Path(spellchecker.__file__).parent / "resources"
    frequent: set[str] = set()
    very: set[str] = set()
    for lang, size in DICTIONARY_SIZES.items():
        with gzip.open(base / f"{lang}.json.gz", "rt", encoding="utf-8") as fh:
            counts: dict[str, int] = json.load(fh)
        ranked = sorted(counts, key=lambda w: (-counts[w], w))
        frequent.update(w for w in ranked[:size] if len(w) > 1)
        very.update(w for w in ranked[: AMBIGUOUS_SIZES.get(lang, 8000)] if len(w) > 1)
    return frequent, very


def _matrix(words: list[str]) -> sparse.csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    for i, word in enumerate(words):
        buckets = ngram_buckets(word)
        rows.extend([i] * len(buckets))
        cols.extend(buckets)
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(words), NGRAM_DIMENSIONS))


def train_word_model(
    names: set[str], others: set[str], *, seed: int = 7
) -> tuple[np.ndarray, float, dict[str, float]]:
    """Logistic regression name/not-name over character n-grams; 10 % held out."""
    rng = random.Random(seed)
    pos = sorted(names - others)
    neg = sorted(others - names)
    rng.shuffle(pos)
    rng.shuffle(neg)
    cut_p, cut_n = len(pos) // 10, len(neg) // 10
    train_words = pos[cut_p:] + neg[cut_n:]
    train_y = np.array([1] * (len(pos) - cut_p) + [0] * (len(neg) - cut_n))
    test_words = pos[:cut_p] + neg[:cut_n]
    test_y = np.array([1] * cut_p + [0] * cut_n)
    model = LogisticRegression(C=2.0, max_iter=2000, class_weight="balanced")
    model.fit(_matrix(train_words), train_y)
    prob = model.predict_proba(_matrix(test_words))[:, 1]
    pred = prob >= 0.5
    metrics = {
        "heldout_name_recall": round(float(pred[test_y == 1].mean()), 4),
        "heldout_word_false_rate": round(float(pred[test_y == 0].mean()), 4),
        "positives": len(pos),
        "negatives": len(neg),
    }
    model.fit(_matrix(pos + neg), np.array([1] * len(pos) + [0] * len(neg)))
    return model.coef_[0].astype(np.float32), float(model.intercept_[0]), metrics


def _prints(words: Iterable[str]) -> np.ndarray:
    return np.unique(np.array([fingerprint(w) for w in words], dtype=np.uint32))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    given, surnames, places, other, texts = mimesis_tables()
    names = given | surnames
    frequent, ranked_high = dictionary_words()
    seen_lower = common_words(running_texts(texts))
    common = (frequent - names) | ranked_high | seen_lower
    weights, bias, metrics = train_word_model(names, common | places | other)
    # A word known only from a dictionary's long tail that reads like a surname
    # ("goldberg") is no evidence of an ordinary word.
    tail = sorted(frequent - ranked_high - seen_lower - names)
    scores = _matrix(tail) @ weights.astype(np.float64) + bias
    name_like = {w for w, z in zip(tail, scores, strict=True) if z >= NAME_LIKE_LOGIT}
    common -= name_like
    metrics["tail_words_name_like"] = len(name_like)
    np.savez_compressed(
        args.out,
        given=_prints(given),
        surname=_prints(surnames),
        common=_prints(common),
        place=_prints(places),
        weights=weights.astype(np.float16),
        bias=np.array([bias], dtype=np.float32),
    )
    report = {
        "given": len(given),
        "surnames": len(surnames),
        "common": len(common),
        "places": len(places),
        "other": len(other),
        **metrics,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
