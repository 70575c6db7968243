"""Harmful instructions in model output, judged sentence by sentence.

An answer that explains how to make a weapon, a drug or a poison, or how to hurt someone,
reads as a goal ("To make a pipe bomb", "Here's how to cook meth") followed by procedure
("first get ..., then seal ..."). The goal alone is a topic (a history answer may name a
pipe bomb); the procedure alone is a recipe for anything. Both together, in one sentence or
in two sentences side by side, are harmful instructions whatever the rest of the answer
says, so a long harmless preamble cannot dilute them.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

import re

from modelsteward.safety.guards.asks import WEAPON_WORDS
from modelsteward.safety.interface import Hazard

_MAKE = r"(?:make|making|build|building|assemble|assembling|synthesi[sz]e|synthesi[sz]ing|cook|cooking|produce|producing|prepare|preparing|manufacture|manufacturing|brew|brewing|extract|extracting|culture|culturing|weaponi[sz]e)"
_GOAL = r"(?:\bto\b|\bhow to\b|\bin order to\b|\bwhen you\b|\bif you want to\b|\byou can\b|\byou could\b|\bsteps? (?:to|for)\b|\brecipe for\b|\bprocess (?:of|for)\b|\bi(?:'ll| will) (?:explain|show you) how to\b)"
_DRUGS = r"(?:meth|methamphetamine|crystal meth|fentanyl|heroin|crack cocaine|crack|cocaine|mdma|lsd|ghb)"
_POISON = r"(?:poison|nerve agent|ricin|sarin|cyanide|arsenic)"
_PEOPLE = r"(?:someone|somebody|a person|people|your (?:wife|husband|partner|boss|neighbou?r|ex|victim)|the victim|a child|him|her|them)"

_FAMILIES: tuple[tuple[str, Hazard, re.Pattern[str]], ...] = (
    (
        "weapon-instructions",
        Hazard.S9,
        re.compile(rf"{_GOAL} (?:\w+ ){{0,2}}?{_MAKE} (?:\w+ ){{0,3}}?{WEAPON_WORDS}"),
    ),
    (
        "drug-instructions",
        Hazard.S2,
        re.compile(rf"{_GOAL} (?:\w+ ){{0,2}}?{_MAKE} (?:\w+ ){{0,2}}?{_DRUGS}\b"),
    ),
    (
        "violence-instructions",
        Hazard.S1,
        re.compile(
            rf"{_GOAL} (?:\w+ ){{0,2}}?(?:kill|murder|poison|strangle|stab|kidnap|torture) {_PEOPLE}\b"
            rf"|{_GOAL} (?:\w+ ){{0,2}}?(?:dispose of|get rid of|hide) (?:a|the) (?:dead )?body\b"
            rf"|{_GOAL} (?:\w+ ){{0,2}}?{_MAKE} (?:a |some )?{_POISON}\b"
        ),
    ),
)
_PROCEDURE = re.compile(
    r"\b(?:first|then|next|after that|afterwards|finally|step \d|step one|once (?:it|the|you)|you(?:'ll| will) need|"
    r"get|obtain|buy|take|mix|combine|add|pour|heat|boil|dissolve|fill|pack|seal|attach|connect|wire|drill|"
    r"crush|grind|stir|filter|distil|distill|cap|insert|place|light|ignite|detonate|measure)\b"
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_MAX_SENTENCES = 2000
"""Sentences read per text: enough for any real answer; bounds a hostile one."""


def harmful_instructions(view: str) -> tuple[str, Hazard | None]:
    """The family of harmful instructions in ``view`` (folded, lowercased text) and its
    hazard: a harmful goal with procedure in the same sentence or the next one;
    ``("", None)`` when there is none."""
    sentences = [
        m.group(0) for _, m in zip(range(_MAX_SENTENCES), _SENTENCE.finditer(view), strict=False)
    ]
    for i, sentence in enumerate(sentences):
        for name, hazard, regex in _FAMILIES:
            goal = regex.search(sentence)
            if goal is None:
                continue
            rest = (
                sentence[goal.end() :] + " " + (sentences[i + 1] if i + 1 < len(sentences) else "")
            )
            if _PROCEDURE.search(rest) or _PROCEDURE.search(sentence[: goal.start()]):
                return name, hazard
    return "", None
