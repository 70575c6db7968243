"""Person names without a downloaded NER model.

A run of capitalised words is weighed word by word against the shipped lexicon
(``lexicon.py``: given names and surnames of many languages, ordinary words, places, and a
character n-gram model for unseen surnames), then by its context (a cue such as "my name
is", "Dear", "Mr.", a verb that follows a person, a list of names). Cues in six languages
and a given name, middle initial and surname pattern add their own spans. Street addresses
are in ``addresses.py``.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

import bisect
import re
import sys
from functools import lru_cache

from modelsteward.safety.guards.lexicon import fingerprint, lexicon
from modelsteward.safety.guards.name_context import (
    AFTER_PERSON,
    BEFORE_PERSON,
    EPONYM_AFTER,
    FIELD_LABELS,
    FIRM_BEFORE,
    LINE_END,
    LINE_START,
    LIST_NEIGHBOUR_AFTER,
    LIST_NEIGHBOUR_BEFORE,
    NOT_IN_NAMES,
    NOT_NAMES,
    NOT_PERSONS,
    ORG_BEFORE,
    ORG_WORDS,
    PARTICLES,
    PERSON_VERB,
    PLACE_BEFORE,
    PLACE_OF,
    SENTENCE_END,
    STREET_BEFORE,
    STRONG_AFTER,
    STRONG_BEFORE,
    SUFFIXES,
    THING_NAME_BEFORE,
    TITLES,
    Backward,
    _rev,
)

_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+"
_CAP_SEQ = rf"{_CAP}(?:[ \t]+(?:{_CAP}|[A-Z]\.?(?!\w))){{0,3}}"
_CUE_WORDS = (
    "my name is|my name's|name is|name\\?|i am|i'm|this is|calls? me|named|name:|dear|hi|hello|"
    "regards,|sincerely,|signed|contact|ask for|patient|mr\\.?|mrs\\.?|ms\\.?|miss|dr\\.?|prof\\.?|"
    "je m'appelle|je suis|m\\.|mme|monsieur|madame|ich heiße|ich bin|herr|frau|me llamo|soy|"
    "señor|señora|sr\\.?|sra\\.?|mi chiamo|sono|signor|signora|meu nome é|eu sou|senhor|senhora"
)
_CUE = Backward(
    r"(?i:\b(?:" + _CUE_WORDS + r")\s+$)",
    r"(?i:\s+"
    + _rev(
        "",
        *[
            "my name is",
            "my name's",
            "name is",
            "name?",
            "i am",
            "i'm",
            "this is",
            "call me",
            "calls me",
            "named",
            "name:",
            "dear",
            "hi",
            "hello",
            "regards,",
            "sincerely,",
            "signed",
            "contact",
            "ask for",
            "patient",
            "mr",
            "mr.",
            "mrs",
            "mrs.",
            "ms",
            "ms.",
            "miss",
            "dr",
            "dr.",
            "prof",
            "prof.",
            "je m'appelle",
            "je suis",
            "m.",
            "mme",
            "monsieur",
            "madame",
            "ich heiße",
            "ich bin",
            "herr",
            "frau",
            "me llamo",
            "soy",
            "señor",
            "señora",
            "sr",
            "sr.",
            "sra",
            "sra.",
            "mi chiamo",
            "sono",
            "signor",
            "signora",
            "meu nome é",
            "eu sou",
            "senhor",
            "senhora",
        ],
    )
    + r"\b)",
)
"""A word that introduces the name right after it ("my name is", "Dear", "Mr.")."""
_CUE_NAME = re.compile(_CAP_SEQ)


_SHORT_TITLES = frozenset({"m", "mme", "sr", "sra", "patient"})
"""Cues that name a person whatever word follows ("Mr. London", "Mme Paris")."""


def _first_word(seq: str) -> str:
    return seq.split()[0].strip(".,'’").lower()


_INITIAL = re.compile(
    r"\b([A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]+ [A-Z]\.? [A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]+)\b(?!\.\w)"
)
"""Given name, middle initial, surname: "Ada B. Lovelace", "Jildau S Bouts"."""
_NAME_CONTEXT = Backward(
    r"(?i:\b(?:said|asked|told|by|assistant to|under|(?:under|in) (?:my |his |her )?(?:\w+'s )?name|calls? me|"
    r"speak (?:to|with)|follow up with|add|player|actor|actress|singer|author|writer|director|manager|"
    r"colleague|customer|client|partner|guardian|founder)\s+$)",
    r"(?i:\s+(?:"
    + _rev(
        "said asked told by under add player actor actress singer author writer director "
        "manager colleague customer client partner guardian founder",
        "assistant to",
        "call me",
        "calls me",
        "speak to",
        "speak with",
        "follow up with",
    )
    + r"|eman(?: s'\w+)?(?: ym| sih| reh)? (?:rednu|ni))\b)",
)
_CONTEXT_NAME = re.compile(
    r"(" + _CAP + r"(?:[ \t]+" + _CAP + r"){1,2})\b(?!['’]s\b \w+ (?:inc|llc|ltd)\b)"
)
_CAP_AFTER_SPACE = re.compile(r"\s(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-])")
"""Where a capitalised word starts after white space: where a cued name can start (the
cues are matched backwards from there, not tried at every position of the text)."""
"""A capitalised two- or three-word sequence right after a word that introduces a person."""


def _not_org(seq: str) -> bool:
    words = [w.strip(".,'’").lower() for w in seq.split()]
    return not any(w in ORG_WORDS or w in NOT_NAMES for w in words)


_NUMBER_BEFORE = Backward(r"\d[ \t]*$", r"\n?[ \t]*\d")
"""A house number right before a street name."""
_VOCATIVE_BEFORE = Backward(r"\w, $", r"\n? ,\w")
_DIGIT_AFTER = re.compile(r"[ \t]*\d")
_COLON_AFTER = re.compile(r"[ \t]*:")
_QUESTION_AFTER = re.compile(r"[?!]")
_LOWER_WORD_AFTER = re.compile(r" [A-Z]?[a-z]")

_WORD = re.compile(r"[^\W\d_](?:[\w'’]|-(?=[^\W\d_]))*")
_POSSESSIVE = ("'s", "’s")
_LOWER_CUE = re.compile(
    r"\b(?:my name is|my name's|name is|call me|calls me|i am|i'm|this is|named)\s+"
    r"([^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,2})"
)
"""A name cue in text typed without capitals; the words after it are weighed one by one."""


_COMPANY_LIST = re.compile(
    r"(?<![\w'’-])([A-Z][\w'’-]+), ([A-Z][\w'’-]+),? (?:and|&) ([A-Z][\w'’-]+)\b"
)
"""Three surnames in a list: a firm ("Jones, Mitchell and Williams") or three people."""


_HAS_DIGIT = re.compile(r"\d")
_INNER_CAPITALS = re.compile(r"[a-z][^a-z]*[A-Z][^a-z]*[A-Z]")
"""Two capitals after a lower-case letter: an identifier ("RoMQA", "getHTTPClient"); a
name has at most one ("McDonald", "DiCaprio")."""

_LONGEST_NAME_WORD = 40
"""No name word is longer; a longer "word" (a hostile run of letters) is never weighed."""


@lru_cache(maxsize=65536)
def _listed(word: str) -> bool:
    """A given name or surname of the lexicon, ordinary word or not."""
    lex = lexicon()
    key = fingerprint(word)
    return key in lex.given or key in lex.surname


@lru_cache(maxsize=65536)
def _word_score(word: str, *, upper_text: bool) -> float:
    """How name-like one word is: 0.9 a listed name, 0.4 a name that is also an ordinary
    word, 0.3-0.8 an unlisted word by the word model, 0.05 an ordinary word or a place."""
    lower = word.lower()
    if (
        len(word) > _LONGEST_NAME_WORD
        or lower in NOT_NAMES
        or lower in ORG_WORDS
        or lower in NOT_PERSONS
        or _HAS_DIGIT.search(word) is not None  # an identifier: "Key1", "Base64"
    ):
        return 0.0
    if not upper_text and (
        (word.isupper() and len(word) > 1) or _INNER_CAPITALS.search(word) is not None
    ):
        return 0.1  # an acronym, a city in a postal block, a name in code ("RoMQA")
    lex = lexicon()
    key = fingerprint(lower)
    named = key in lex.given or key in lex.surname
    ordinary = key in lex.common or key in lex.place
    if named:
        return 0.4 if ordinary else 0.9
    if ordinary:
        return 0.05
    model = lex.word_model(lower)
    # An unlisted word the model reads as no name at all ("Substring", "Dataframe").
    return 0.2 if model < 0.05 else 0.3 + 0.5 * model


def _runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of capitalised words (with initials and particles) separated by single spaces."""
    lower_text = text == text.lower()
    runs: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    prev_end = -1
    for match in _WORD.finditer(text):
        word = match.group(0)
        start, end = match.span()
        possessive = False
        for suffix in _POSSESSIVE:
            if word.endswith(suffix) and len(word) > 2:
                word, end, possessive = word[:-2], end - 2, True
        capital = word[0].isupper() or lower_text
        particle = word in PARTICLES
        initial = len(word) == 1 and word.isupper()
        gap = text[prev_end:start] if prev_end >= 0 else ""
        joined = gap in (" ", "\t") or (gap in (". ", ".") and current and len(current[-1][2]) == 1)
        if current and not joined:
            runs.append(current)
            current = []
        if capital or (particle and current):
            current.append((start, end, word))
        elif current:
            runs.append(current)
            current = []
        prev_end = end
        if initial and text[end : end + 1] == ".":
            prev_end = end + 1
        if possessive and current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


_LIST_GAP = re.compile(r",\s*(?:and\s+|&\s*)?|\s+(?:and|&|or)\s+")


def _rejected_run(text: str, run: list[tuple[int, int, str]], firms: list[tuple[int, int]]) -> bool:
    """A street, an organisation or a firm rather than a person."""
    if any(_rejecting(word) for _, _, word in run):
        return True
    return _overlaps(firms, run[0][0], run[-1][1])


@lru_cache(maxsize=65536)
def _rejecting(word: str) -> bool:
    """A street, firm or organisation word."""
    lower = word.lower()
    return lower in NOT_IN_NAMES or lower in ORG_WORDS or lower.rstrip("s") in NOT_IN_NAMES


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when one of ``spans`` (disjoint, in text order) overlaps ``[start, end)``."""
    i = bisect.bisect_right(spans, (start, sys.maxsize))
    return (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end)


def _run_scores(run: list[tuple[int, int, str]], *, upper_text: bool) -> list[float]:
    scores: list[float] = []
    for i, (_, _, word) in enumerate(run):
        if word in PARTICLES:
            scores.append(0.0)
        elif len(word) == 1 or (i and word.lower() in SUFFIXES):
            scores.append(0.5)
        else:
            score = _word_score(word, upper_text=upper_text)
            if i and run[i - 1][2] in PARTICLES:
                score = max(score, 0.5)  # "ten Pas", "de la Cruz"
            scores.append(score)
    return scores


def _firms(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, float]]]:
    """Three-surname lists: a firm after "at"/"for", before a noun or alone on a line; else
    three people. Returns the firms' spans and the people's."""
    firms: list[tuple[int, int]] = []
    people: list[tuple[int, int, float]] = []
    for match in _COMPANY_LIST.finditer(text):
        if any(_word_score(match.group(g), upper_text=False) < 0.3 for g in (1, 2, 3)):
            continue
        before = text[max(0, match.start() - 20) : match.start()]
        after = text[match.end() : match.end() + 20]
        own_line = LINE_START.search(before) and LINE_END.match(after)
        if FIRM_BEFORE.search(before) or _LOWER_WORD_AFTER.match(after) or own_line:
            firms.append(match.span())
        else:
            people.extend((match.start(g), match.end(g), 0.6) for g in (1, 2, 3))
    return firms, people


@lru_cache(maxsize=65536)
def is_place(words: str) -> bool:
    """True when ``words`` (one or more words) is a place name of the gazetteer."""
    return fingerprint(" ".join(words.split())) in lexicon().gazetteer


def _named_as_place(text: str, start: int, end: int, *, title: bool) -> bool:
    """A gazetteer place that its context does not make a person: no title before it
    ("Mr. London"), no verb of a person after it ("Paris said"), and, for a place that is
    also a given name ("Paris", "Florence", "Georgia"), a place's context: a preposition of
    place, a place noun ("the capital of"), a listed place next to it ("Paris and London"),
    or ", <place>" after it."""
    span = text[start:end]
    if title or not is_place(span):
        return False
    before, after = text[max(0, start - 30) : start], text[end : end + 40]
    if PERSON_VERB.match(after) or STRONG_AFTER.match(after) or STRONG_BEFORE.search(before):
        return False
    first = span.split()[0]
    if len(span.split()) > 1 or not _listed(first) or fingerprint(first) not in lexicon().given:
        return True
    if PLACE_BEFORE.search(before) or PLACE_OF.search(before):
        return True
    neighbours = [m.group(1) for m in (LIST_NEIGHBOUR_AFTER.match(after),) if m]
    previous = LIST_NEIGHBOUR_BEFORE.group(before)
    if previous is not None:
        neighbours.append(previous)
    return any(is_place(n) or is_place(n.split()[0]) for n in neighbours)


def _given_and_surname(text: str, run: list[tuple[int, int, str]], scores: list[float]) -> bool:
    """A listed given name and one more capitalised word inside a sentence ("from Alice
    Goldberg's tales"): a person, even when both words are also ordinary words, unless the
    second is a place, a street or a modifier ("Python code")."""
    if len(run) != 2 or scores[0] < 0.4 or scores[1] < 0.05 or len(run[1][2]) < 2:
        return False
    lex = lexicon()
    if fingerprint(run[0][2]) not in lex.given:
        return False
    start, end = run[0][0], run[1][1]
    before, after = text[max(0, start - 30) : start], text[end : end + 30]
    if SENTENCE_END.search(before) or EPONYM_AFTER.match(after) or _DIGIT_AFTER.match(after):
        return False
    return not (
        STREET_BEFORE.search(before) or ORG_BEFORE.search(before) or is_place(text[start:end])
    )


def _weigh_run(
    text: str, run: list[tuple[int, int, str]], scores: list[float], *, lower_text: bool
) -> tuple[int, int, float] | None:
    """``(start, end, score)`` when the run, trimmed, reads as a person's name."""
    if not lower_text and _given_and_surname(text, run, scores):
        return run[0][0], run[1][1], 0.7
    lo, hi = 0, len(run)
    while lo < hi and (scores[lo] < 0.3 or len(run[lo][2]) == 1 or run[lo][2] in PARTICLES):
        lo += 1
    while hi > lo and (scores[hi - 1] < 0.3 or run[hi - 1][2] in PARTICLES):
        hi -= 1
    if lo >= hi or hi < len(run) or hi - lo > 5:
        return None  # nothing name-like, or a title such as "Czech Border Force"
    place = lexicon().place
    if lo:
        leading = [run[i][2] for i in range(lo)]
        at_start = SENTENCE_END.search(text[max(0, run[0][0] - 30) : run[0][0]]) is not None
        if any(fingerprint(w) in place for w in leading):
            return None  # "Los Angeles"
        if leading[-1].lower() not in TITLES and not (at_start and lo == 1):
            return None  # "Credit Karma": a capitalised word that is no title leads the run
    words = [
        scores[i]
        for i in range(lo, hi)
        if len(run[i][2]) > 1 and run[i][2] not in PARTICLES and run[i][2].lower() not in SUFFIXES
    ]
    if not words or min(words) < 0.3:
        return None
    start, end = run[lo][0], run[hi - 1][1]
    if _named_as_place(text, start, end, title=lo > 0 and run[lo - 1][2].lower() in TITLES):
        return None
    before, after = text[max(0, start - 30) : start], text[end : end + 30]
    if _DIGIT_AFTER.match(after) or _NUMBER_BEFORE.search(before):
        return None  # a street name next to its house number
    if EPONYM_AFTER.match(after):
        return None  # "Python code", "Huffman coding": a modifier, not a person
    if STREET_BEFORE.search(before) or ORG_BEFORE.search(before):
        return None
    if len(words) == 1:
        speaker = _COLON_AFTER.match(after) and LINE_START.search(before)
        vocative = _VOCATIVE_BEFORE.search(before) and _QUESTION_AFTER.match(after)
        if speaker and run[lo][2].lower() in FIELD_LABELS:
            return None
        if speaker or vocative or STRONG_AFTER.match(after) or STRONG_BEFORE.search(before):
            return (start, end, 0.65) if words[0] >= 0.3 else None
    if PLACE_BEFORE.search(before) and (
        len(words) == 1 or any(fingerprint(run[i][2]) in place for i in range(lo, hi))
    ):
        return None
    if len(words) >= 2:
        own_line = LINE_START.search(before) and LINE_END.match(after)
        if lower_text:
            # Without capitals: a listed given name, then a word that is no ordinary word.
            if words[0] >= 0.85 and min(words) >= 0.3 and (AFTER_PERSON.match(after) or own_line):
                return start, end, 0.6
            return None
        if min(words) >= 0.3 and AFTER_PERSON.match(after):
            return start, end, 0.75
        listed = all(
            _listed(run[i][2]) for i in range(lo, hi) if scores[i] >= 0.3 and len(run[i][2]) > 1
        )
        if (
            (sum(words) >= 1.1 and max(words) >= 0.6)
            or (words[0] >= 0.85 and min(words) >= 0.3)
            or (listed and min(words) >= 0.4)
        ):
            return start, end, 0.8
        return None
    single = words[0]
    lead = SENTENCE_END.search(before) is not None
    person_context = AFTER_PERSON.match(after) is not None or (
        not lead and BEFORE_PERSON.search(before) is not None
    )
    if lower_text:
        return (start, end, 0.6) if single >= 0.85 and person_context else None
    if fingerprint(run[lo][2]) in place and single < 0.85:
        # "France was super fun": a place that is also a name needs a verb of a person.
        strong = PERSON_VERB.match(after) or (not lead and BEFORE_PERSON.search(before))
        return (start, end, 0.6) if strong else None
    if single >= 0.85 or (single >= 0.4 and person_context):
        return start, end, 0.65
    return None


_WEIGH_BUDGET = 4096
"""At most this many name-like runs per text are weighed in their context (10-30 µs each);
past that budget (a dense list of names, 20 KB and more of them) a run is judged by the
lexicon alone, so a hostile text costs linear time at a small constant and its names are
still redacted (fail closed)."""


def _by_lexicon(
    run: list[tuple[int, int, str]], scores: list[float]
) -> tuple[int, int, float] | None:
    """The run's name-like words when one of them is a listed name and no ordinary word."""
    keep = [i for i, score in enumerate(scores) if score >= 0.3]
    if max(scores) < 0.85:
        return None
    return run[keep[0]][0], run[keep[-1]][1], 0.6


def _extend_lists(
    text: str,
    runs: list[list[tuple[int, int, str]]],
    found: set[tuple[int, int]],
    *,
    upper_text: bool,
) -> list[tuple[int, int, float]]:
    """Single words listed with accepted names ("Matheus, Janet and Terri") are names too,
    unless they are ordinary words."""
    singles = [run[0] for run in runs if len(run) == 1]
    out: list[tuple[int, int, float]] = []
    for i in range(len(singles) - 1):
        a, b = singles[i], singles[i + 1]
        if ((a[0], a[1]) in found) == ((b[0], b[1]) in found):
            continue  # both names already, or neither: nothing to extend
        if not _LIST_GAP.fullmatch(text[a[1] : b[0]]):
            continue
        for this, other in ((a, b), (b, a)):
            if (other[0], other[1]) in found and (this[0], this[1]) not in found:
                if _word_score(this[2], upper_text=upper_text) >= 0.3:
                    found.add((this[0], this[1]))
                    out.append((this[0], this[1], 0.6))
    return out


_LIST_ITEM = r"[^\W\d_][\w'’-]*"
_LIST_RUN = re.compile(rf"(?<![\w'’-]){_LIST_ITEM}(?:, {_LIST_ITEM})+")
"""Comma-separated single words; matched greedily, so a long run costs linear time."""
_LIST_TAIL = re.compile(rf",? (?:and|&) ({_LIST_ITEM})\b")
_LIST_MAX_ITEMS = 24


def _listed_names(
    text: str, firms: list[tuple[int, int]], *, lower_text: bool
) -> list[tuple[int, int, float]]:
    """Every item of a list ("Matheus, Janet, Nicholas and Terri") whose items are, two in
    three at least, listed names."""
    out: list[tuple[int, int, float]] = []
    for match in _LIST_RUN.finditer(text):
        tail = _LIST_TAIL.match(text, match.end())
        if tail is None or _overlaps(firms, match.start(), tail.end()):
            continue
        items = [(m.start(), m.end()) for m in re.finditer(_LIST_ITEM, match.group(0))]
        items = [(match.start() + a, match.start() + b) for a, b in items]
        items.append(tail.span(1))
        if len(items) > _LIST_MAX_ITEMS:
            continue
        words = [text[a:b] for a, b in items]
        if any(w.lower() in NOT_NAMES or w.lower() in ORG_WORDS for w in words):
            continue
        if not lower_text and not all(w[0].isupper() for w in words):
            continue
        if 3 * sum(_listed(w) for w in words) < 2 * len(words):
            continue
        if 2 * sum(is_place(w) for w in words) >= len(words):
            continue  # "Paris, Berlin and Florence": a list of places
        out.extend((a, b, 0.6) for a, b in items)
    return out


def _context_names(text: str) -> list[tuple[int, int, float]]:
    """Names found by weighing each capitalised run against the lexicon and its context."""
    # C-level case tests: a per-character generator costs a second per MB.
    upper_text = text == text.upper()
    lower_text = text == text.lower()
    firms, spans = _firms(text)
    spans.extend(_listed_names(text, firms, lower_text=lower_text))
    runs = _runs(text)
    budget = _WEIGH_BUDGET
    for run in runs:
        if _rejected_run(text, run, firms):
            continue
        scores = _run_scores(run, upper_text=upper_text)
        if max(scores) < 0.3:
            continue  # nothing name-like: no context can make it a name
        budget -= 1
        weighed = (
            _weigh_run(text, run, scores, lower_text=lower_text)
            if budget >= 0
            else _by_lexicon(run, scores)
        )
        if weighed is not None:
            spans.append(weighed)
    if not lower_text:
        found = {(s, e) for s, e, _ in spans}
        # Twice: a list grows from its accepted names in both directions.
        for _ in range(2):
            spans.extend(_extend_lists(text, runs, found, upper_text=upper_text))
    else:
        for match in _LOWER_CUE.finditer(text):
            words = list(re.finditer(r"[^\W\d_][\w'’-]*", match.group(1)))
            taken = []
            for word in words:
                if _word_score(word.group(0), upper_text=False) < 0.3:
                    break
                taken.append(word)
            if taken:
                base = match.start(1)
                spans.append((base + taken[0].start(), base + taken[-1].end(), 0.7))
    return spans


def _cued_name(text: str, cue_start: int, name: re.Match[str]) -> bool:
    """True when the capitalised words after a cue are a person's name."""
    words = name.group(0)
    if _first_word(words) in NOT_NAMES or not _not_org(words):
        return False
    cue = text[cue_start : name.start()].strip().rstrip(".").lower()
    ordinary = max(_word_score(w, upper_text=False) for w in words.split()) < 0.3
    if ordinary and cue not in TITLES and cue not in _SHORT_TITLES:
        return False  # "Hello World", "named Employee": ordinary words after the cue
    if THING_NAME_BEFORE.search(text[max(0, cue_start - 20) : cue_start]):
        return False  # "Table name: Sales"
    return EPONYM_AFTER.match(text, name.end()) is None


def find_names(text: str) -> list[tuple[int, int, float]]:
    """Spans ``(start, end, score)`` that look like person names."""
    spans: list[tuple[int, int, float]] = _context_names(text)
    for match in _INITIAL.finditer(text):
        if _not_org(match.group(1)):
            spans.append((match.start(1), match.end(1), 0.75))
    for gap in _CAP_AFTER_SPACE.finditer(text):
        at = gap.end()
        before = text[max(0, at - 40) : at]
        if _NAME_CONTEXT.search(before):
            named = _CONTEXT_NAME.match(text, at)
            if named is not None and _not_org(named.group(1)):
                spans.append((named.start(1), named.end(1), 0.7))
        cue = _CUE.search(before)
        if cue is not None:
            name = _CUE_NAME.match(text, at)
            if name is not None and _cued_name(text, at - cue.end(), name):
                spans.append((name.start(), name.end(), 0.8))
    return spans


_BLOCK_LINE = re.compile(
    r"[\W_]{0,6}([^\W\d_][\w'’.-]{0,79}(?:[ \t]{1,80}[^\W\d_][\w'’.-]{0,79}){1,2})[ \t]{0,80}"
)
"""A line of two or three words; every run is bounded by the longest line, so a search
from each position of a long token costs a constant."""
_BLOCK_LINE_LONGEST = 80
"""Longer lines are no line of a postal block (and bound the look back to the line start)."""


def _line_above(text: str, line_start: int) -> tuple[int, int] | None:
    """The span of the line before the one starting at ``line_start``, if it is short."""
    if line_start == 0:
        return None
    end = line_start - 1
    lo = max(0, end - _BLOCK_LINE_LONGEST)
    newline = text.rfind("\n", lo, end)
    if newline < 0 and lo > 0:
        return None
    return newline + 1, end


def addressees(text: str, addresses: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The name that heads a postal block: the top line of up to three unbroken lines above
    an address ("Csenger Gábor / Overture Technologies / 78321 Ombù 9091"), two or three
    words that each read as a name."""
    out: list[tuple[int, int, float]] = []
    for start, _, _ in addresses:
        line_start = text.rfind("\n", max(0, start - _BLOCK_LINE_LONGEST), start) + 1
        top: tuple[int, int] | None = None
        for _ in range(3):
            above = _line_above(text, line_start)
            if above is None or not text[above[0] : above[1]].strip():
                break
            top, line_start = above, above[0]
        if top is None:
            continue
        match = _BLOCK_LINE.fullmatch(text, top[0], top[1])
        if match is None or not match.group(1)[0].isupper():
            continue
        words = match.group(1).split()
        if all(w[0].isupper() and _word_score(w, upper_text=False) >= 0.3 for w in words):
            if _not_org(match.group(1)) and not any(w.lower() in NOT_IN_NAMES for w in words):
                out.append((match.start(1), match.end(1), 0.6))
    return out
