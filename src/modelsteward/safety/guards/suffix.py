"""Adversarial optimisation suffixes (GCG-style "token soup") after a plain request.

An optimised suffix is a run of tokens no writer would type: punctuation glued inside words
(``prototype?](pos``), case changes mid-word (``argueRIPT``), bracket and operator debris
(``};``, ``<%=``, ``($\\``), long underscore or dash runs. The check looks at the last
:data:`TAIL` whitespace tokens of the last line and asks two things: is a large share of
them odd, and does the text before them read as ordinary prose (code, logs and JSON are odd
throughout, so they fail the second test).
"""

from __future__ import annotations

import re

from modelsteward.safety.guards.harmful import INTENT

TAIL = 12
"""How many trailing tokens make up the suspected suffix."""
_MIN_HEAD = 6
"""A suffix needs at least this many tokens of ordinary text before it."""

_OUTER = "\"'()[]“”‘’«».,;:!?"
_NUMBER = re.compile(r"[$€£#~<>]?[-+]?\d+(?:[.,:/x]\d+)*(?:%|[a-z]{1,3}|\$)?")
_SYMBOLS = frozenset({"-", "--", "—", "–", "...", "…", "&", "/", "=", "+", "*", "->", "•", "|"})


def _plain_word(core: str) -> bool:
    parts = re.split(r"['’-]", core)
    return all(part.isalpha() and _one_case(part) for part in parts)


def _one_case(word: str) -> bool:
    return word.islower() or word.isupper() or word.istitle() or not word.isascii()


def odd_token(token: str) -> bool:
    """True for a token that is neither a word with ordinary punctuation around it, a
    number, nor a lone symbol: ``argueRIPT`),``, ``};``, ``<%=``, ``!!`` are odd."""
    if token in _SYMBOLS:
        return False
    core = token.strip(_OUTER)
    if not core:
        return len(token) > 1 and token not in ("?!", "!?")
    return not (_plain_word(core) or _NUMBER.fullmatch(core))


def suffix_score(text: str) -> float:
    """Share of odd tokens among the last :data:`TAIL` tokens of the last line, or 0.0 when
    the line is too short or the text before the tail is not ordinary prose."""
    lines = text.rstrip().splitlines()
    if not lines:
        return 0.0
    tokens = lines[-1].split()
    if len(tokens) < TAIL + _MIN_HEAD:
        return 0.0
    head, tail = tokens[:-TAIL], tokens[-TAIL:]
    if sum(map(odd_token, head)) > 0.15 * len(head):
        return 0.0
    return sum(map(odd_token, tail)) / TAIL


MIN_SUFFIX = 0.25
"""At least 3 of the 12 tail tokens odd: 107 of 140 GCG training prompts, no benign
training text (the highest there is 2 of 12)."""
MIN_HARM = 0.2
"""The harmful-head score that, with a suffix, makes the request suspect on its own (the
98th percentile of the benign training texts is 0.17; the block threshold is 0.5)."""
MIN_HARM_ASKED = 0.1
"""The lower harmful-head score that suffices when the text before the suffix is an ask."""


def adversarial_suffix(text: str, all_views: tuple[str, ...], harmful: float) -> bool:
    """True for a request followed by an optimised suffix: the suffix score reaches
    :data:`MIN_SUFFIX` and the harmful head sees at least a weak harmful request."""
    if harmful < MIN_HARM_ASKED or suffix_score(text) < MIN_SUFFIX:
        return False
    return harmful >= MIN_HARM or any(INTENT.search(v) for v in all_views)
