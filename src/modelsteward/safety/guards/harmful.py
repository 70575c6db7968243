"""Harmful requests and outputs by the MLCommons hazard taxonomy (S1-S14, as Llama Guard 3).

The learned classifier gives the harm score and a hazard guess; a small lexicon of
unambiguous phrases per hazard overrides the guess and, for the few phrases that are never
benign, adds a strong signal of its own.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from modelsteward.safety.guards.asks import direct_harm_ask
from modelsteward.safety.guards.instructions import harmful_instructions
from modelsteward.safety.guards.patterns import Pattern, anchors_of
from modelsteward.safety.guards.signals import combine, message_texts, scores, views
from modelsteward.safety.interface import Category, Detection, Hazard, Role

_MIN_SCORE = 0.2
_HAZARD_CUES: tuple[tuple[Hazard, re.Pattern[str], float], ...] = (
    (
        Hazard.S4,
        re.compile(
            r"\bgroom(?:ing)? (?:a |the |young )?(?:minor|child|kid|children|teen|girl|boy)s?\b"
            r"|\b(?:solicit|get|obtain)\w* (?:explicit|nude|naked) (?:pictures|photos|images)\b"
        ),
        0.7,
    ),
    (
        Hazard.S4,
        re.compile(
            r"\b(?:child|children|minor|minors|kid|kids|underage|preteen|\d{1,2}[- ]year[- ]old)\b[^.\n]{0,40}\b(?:sexual|sexually|nude|naked|porn\w*|erotic|explicit)\b"
            r"|\b(?:sexual|sexually|nude|naked|porn\w*|erotic|explicit)\b[^.\n]{0,40}\b(?:child|children|minor|minors|kid|kids|underage|preteen|\d{1,2}[- ]year[- ]old)\b"
            r"|\bcsam\b|\bchild porn"
        ),
        0.95,
    ),
    (
        Hazard.S9,
        re.compile(
            r"\b(?:nerve agent|sarin|vx gas|tabun|mustard gas|anthrax|ricin|botulinum|smallpox|bioweapon|biological weapon|chemical weapon|dirty bomb|nuclear (?:bomb|weapon|device)|enrich(?:ed|ing) uranium|weapons?-grade|pipe bomb|pressure cooker bomb|napalm|thermite bomb|ammonium nitrate bomb|explosive device|ied\b|detonator)"
        ),
        0.6,
    ),
    (
        Hazard.S11,
        re.compile(
            r"\b(?:kill myself|end my life|suicide|suicidal|self[- ]harm|cut myself|hurt myself|overdose on purpose|want to die|painless way to die|lethal dose to)\b"
        ),
        0.6,
    ),
    (
        Hazard.S3,
        re.compile(
            r"\b(?:rape|sexual assault|sex traffick\w*|human traffick\w*|drug (?:her|his|someone'?s) drink|date rape|revenge porn|sextort\w*)\b"
        ),
        0.5,
    ),
    (
        Hazard.S12,
        re.compile(
            r"\b(?:explicit sex\w*|porn\w*|erotic story|sexually explicit|nsfw|graphic sex)\b"
        ),
        0.3,
    ),
    (
        Hazard.S13,
        re.compile(
            r"\b(?:election|ballots?|voting machines?|voter (?:fraud|suppression|rolls)|polling (?:station|place)s?|rig (?:the|an) (?:election|vote))\b"
        ),
        0.0,
    ),
    (
        Hazard.S14,
        re.compile(
            r"\b(?:code interpreter|sandbox escape|escape the sandbox|os\.system|subprocess|rm -rf /|fork bomb|reverse shell)\b"
        ),
        0.2,
    ),
    (
        Hazard.S8,
        re.compile(
            r"\b(?:pirat\w+|torrent|crack(?:ed)? (?:software|version)|bypass drm|full (?:lyrics|text) of|copyrighted|keygen)\b"
        ),
        0.2,
    ),
    (
        Hazard.S7,
        re.compile(
            r"\b(?:dox\w*|home address of|social security number of|track (?:my|someone'?s|her|his) (?:phone|location)|spy on (?:my|her|his)|stalk\w*|personal (?:data|information) of)\b"
        ),
        0.3,
    ),
    (
        Hazard.S10,
        re.compile(
            r"\b(?:inferior race|racial slur|ethnic cleansing|white supremac\w+|hate speech|(?:jews|muslims|blacks|immigrants|gays) are (?:vermin|animals|subhuman|inferior))\b"
        ),
        0.4,
    ),
    (
        Hazard.S5,
        re.compile(
            r"\b(?:defamatory|defame|libel\w*|slander\w*|false (?:rumou?rs?|claims?|story) (?:about|that))\b"
        ),
        0.3,
    ),
    (
        Hazard.S6,
        re.compile(
            r"\b(?:without (?:a )?(?:doctor|prescription|lawyer)|diagnose me|dosage (?:for|of) (?:my|a) (?:child|baby)|stop taking (?:my )?medication)\b"
        ),
        0.0,
    ),
    (
        Hazard.S1,
        re.compile(
            r"\b(?:murder|assassinat\w+|kill (?:my|a|the|his|her|someone|people|them|him)\b(?! process)|mass shooting|school shooting|terror(?:ist)? attack|torture|kidnap\w*|poison (?:my|someone|him|her|them))"
        ),
        0.3,
    ),
    (
        Hazard.S2,
        re.compile(
            r"\b(?:launder\w* money|money launder\w*|counterfeit\w*|ransomware|keylogger|phishing (?:email|page|kit)|steal (?:credit card|passwords?|identit\w+)|shoplift\w*|tax evasion|cook meth|make meth|synthesi[sz]e (?:meth|heroin|fentanyl|mdma)|hack into|ddos)\b"
        ),
        0.3,
    ),
)


# Cues that count only when the text asks to produce something ("write a sexist email"),
# so "how do I report a racist post" stays a question about the topic.
_MAKE = re.compile(
    r"\b(?:write|create|generate|compose|draft|make|produce|craft|give me|come up with|"
    r"use to express|phrases|script)\b"
)
_MADE_CUES: tuple[tuple[Hazard, re.Pattern[str], float], ...] = (
    (
        Hazard.S10,
        re.compile(
            r"\b(?:write|create|generate|compose|draft|make|craft|give me)\b (?:me )?(?:a |an |some |\d+ )?(?:(?:short|funny|mean|nasty|cruel|viral|new) )?"
            r"(?:homophobic|sexist|racist|misogynistic|xenophobic|antisemitic|transphobic|bigoted)"
            r" (?:email|post|tweet|joke|response|message|script|rant|letter|comment)s?\b"
            r"|\bexpress\w* (?:my |our )?(?:homophobic|sexist|racist|misogynistic|xenophobic|antisemitic|transphobic) (?:views|opinions)\b"
            r"|\b(?:provoke|incite|commit) (?:a |more )?hate crimes?\b|\bneo-?nazi organi[sz]ation\b"
        ),
        0.9,
    ),
)
_CUES = tuple(
    (hazard, Pattern(hazard.value, pattern, weight, anchors_of(pattern.pattern)))
    for hazard, pattern, weight in _HAZARD_CUES
)


INTENT = re.compile(
    r"\b(?:how (?:do|can|to|would|should)|step[- ]by[- ]step|instructions|guide me|explain how|"
    r"tell me how|show me how|recipe|ways? to|make|build|synthesi[sz]e|produce|culture|obtain|"
    r"acquire|release|deploy|detonate|write|create|generate|buy|sell)\b"
)


_HOWTO = re.compile(
    r"\b(?:step \d|first,|next,|then (?:add|mix|attach|fill|heat)|you(?:'ll| will) need|"
    r"ingredients|materials|instructions|here(?:'s| is) how)\b"
)


def hazard_cue(all_views: tuple[str, ...]) -> tuple[Hazard | None, float]:
    """The first hazard whose lexicon matches a view, with that entry's own weight."""
    for hazard, pattern in _CUES:
        if any(pattern.search(v) for v in all_views):
            return hazard, pattern.weight
    for hazard, regex, weight in _MADE_CUES:
        if any(regex.search(v) and _MAKE.search(v) for v in all_views):
            return hazard, weight
    return None, 0.0


_INSTRUCTIONS_WEIGHT = 0.9


def _instructions(all_views: tuple[str, ...]) -> tuple[Hazard | None, float]:
    """Harmful instructions in any view of an output, with their weight."""
    for view in all_views:
        _, hazard = harmful_instructions(view)
        if hazard is not None:
            return hazard, _INSTRUCTIONS_WEIGHT
    return None, 0.0


class HarmfulGuard:
    """Requests for, and model outputs with, hazardous content."""

    name = "harmful"

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        """One harmful detection with its hazard when the score reaches the floor.

        Assistant text is judged as an output (``harmful_output``); anything else as a
        request (``harmful_request``). System prompts are trusted and not judged.
        """
        if role is Role.SYSTEM or not text.strip():
            return ()
        all_views = views(text)
        cls = scores(text)
        cue, weight = hazard_cue(all_views)
        intent = _HOWTO if role is Role.ASSISTANT else INTENT
        if weight < 0.9 and not any(intent.search(v) for v in all_views):
            # A hazard word without an operational ask ("history of chemical weapons") only
            # strengthens what the classifier already sees.
            weight *= min(1.0, 2 * cls.harmful)
        ask_hazard, ask_weight = None, 0.0
        if role is not Role.ASSISTANT:
            _, ask_hazard, ask_weight = direct_harm_ask(all_views)
        else:
            ask_hazard, ask_weight = _instructions(all_views)
        score = combine(cls.harmful, weight, ask_weight)
        if score < _MIN_SCORE:
            return ()
        hazard = cue or ask_hazard or cls.hazard
        category = Category.HARMFUL_OUTPUT if role is Role.ASSISTANT else Category.HARMFUL_REQUEST
        return (
            Detection(
                category=category,
                score=round(score, 4),
                label=hazard.label,
                hazard=hazard,
                evidence=f"{hazard.value} {hazard.label}",
                source="rule" if (cue and weight >= 0.9) or ask_weight >= 0.5 else "classifier",
            ),
        )

    def check_request(self, messages: Sequence[Mapping[str, object]]) -> tuple[Detection, ...]:
        """Detections across every message."""
        out: list[Detection] = []
        for text, role in message_texts(messages):
            out.extend(self.check_text(text, role))
        return tuple(out)
