"""Person names and street addresses without a downloaded NER model.

Names: a run of capitalised words is weighed word by word against the shipped lexicon
(``lexicon.py``: given names and surnames of many languages, ordinary words, places, and a
character n-gram model for unseen surnames), then by its context (a cue such as "my name
is", "Dear", "Mr.", a verb that follows a person, a list of names). Cues in six languages
and a given name, middle initial and surname pattern add their own spans. Addresses: a house
number next to a street word (Street, Rue, Straße, Calle, Via, Rua...), PO boxes and
military addresses, with an optional unit, city and postcode tail.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

import re

from modelsteward.safety.guards.lexicon import fingerprint, lexicon

GIVEN_NAMES = frozenset(
    """james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
    brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron
    jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter christian keith
    roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy
    bruce gabriel joe logan alan juan albert willie elijah wayne randy vincent mason roy ralph
    bobby russell bradley philip eugene mary patricia jennifer linda elizabeth barbara susan
    jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle
    carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy
    angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra
    rachel carolyn janet catherine maria heather diane ruth julie olivia joyce virginia victoria
    kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline martha
    gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia grace
    denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte
    marie kayla alexis lori jean pierre michel philippe alain nicolas francois louis luc claire
    camille chloe lea manon julien antoine hugo lucas thomas sophie nathalie isabelle valerie
    hans jurgen klaus stefan andreas wolfgang uwe frank markus sebastian tobias lukas felix jonas
    leon paul maximilian anna lena leonie lea hanna katharina ursula petra sabine monika
    jose antonio manuel francisco javier carlos miguel alejandro pablo diego sergio jorge luis
    fernando rafael carmen lucia elena pilar dolores isabel rosa ana marta cristina raquel
    giuseppe giovanni marco luca andrea matteo francesco alessandro lorenzo davide paolo roberto
    giulia francesca chiara sofia alessia valentina federica martina elisa silvia
    joao pedro tiago rafael gabriel gustavo bruno rodrigo felipe mariana beatriz ines leonor
    fernanda juliana camila larissa
    mohammed muhammad ahmed ali omar hassan hussein fatima aisha mustafa yusuf ibrahim khalid
    wei li ming hiroshi yuki haruto sakura kenji akira raj priya amit rahul anil sunita deepak
    arjun vikram olga ivan dmitri sergei natasha svetlana igor elena anastasia mikhail
    lars erik anders sven ingrid astrid bjorn nils karin johan jan piotr tomasz katarzyna
    agnieszka eva""".split()  # noqa: SIM905
)
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+"
_CAP_SEQ = rf"{_CAP}(?:[ \t]+(?:{_CAP}|[A-Z]\.?(?!\w))){{0,3}}"
_CUE = re.compile(
    r"(?i:\b(?:my name is|my name's|name is|name\?|i am|i'm|this is|calls? me|named|name:|dear|hi|hello|"
    r"regards,|sincerely,|signed|contact|ask for|patient|mr\.?|mrs\.?|ms\.?|miss|dr\.?|prof\.?|"
    r"je m'appelle|je suis|m\.|mme|monsieur|madame|ich heiße|ich bin|herr|frau|me llamo|soy|"
    r"señor|señora|sr\.?|sra\.?|mi chiamo|sono|signor|signora|meu nome é|eu sou|senhor|senhora)"
    r"\s+)(" + _CAP_SEQ + ")",
)
NOT_NAMES = frozenset(
    """i the a an and or but if in on at to for of with from by this that it is are was were
    be been my your our their his her we you they he she please thanks thank hello hi dear
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december sorry ok okay yes no not sure happy
    going here there also just really very good great new what when where why how who which
    can could would should will shall do does did have has had mr mrs ms dr prof miss sir
    madam herr frau mme monsieur madame señor señora signor signora senhor senhora""".split()  # noqa: SIM905
)


def _first_word(seq: str) -> str:
    return seq.split()[0].strip(".,'’").lower()


_INITIAL = re.compile(
    r"\b([A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]+ [A-Z]\.? [A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]+)\b(?!\.\w)"
)
"""Given name, middle initial, surname: "Ada B. Lovelace", "Jildau S Bouts"."""
_NAME_CONTEXT = re.compile(
    r"(?i:\b(?:said|asked|told|by|assistant to|under|(?:under|in) (?:my |his |her )?(?:\w+'s )?name|calls? me|"
    r"speak (?:to|with)|follow up with|add|player|actor|actress|singer|author|writer|director|manager|"
    r"colleague|customer|client|partner|guardian|founder)\s+)"
    r"(" + _CAP + r"(?:[ \t]+" + _CAP + r"){1,2})\b(?!['’]s\b \w+ (?:inc|llc|ltd)\b)"
)
"""A capitalised two- or three-word sequence right after a word that introduces a person."""
_ORG_WORDS = frozenset(
    """inc llc ltd corp co company group bank university college school hospital technologies
    technology systems services solutions international news times airlines air health care
    labs partners capital holdings foundation institute association agency media studios
    street avenue road city county state republic kingdom united new north south east west""".split()  # noqa: SIM905
)


def _not_org(seq: str) -> bool:
    words = [w.strip(".,'’").lower() for w in seq.split()]
    return not any(w in _ORG_WORDS or w in NOT_NAMES for w in words)


_WORD = re.compile(r"[^\W\d_](?:[\w'’]|-(?=[^\W\d_]))*")
_POSSESSIVE = ("'s", "’s")
_PARTICLES = frozenset(
    "van von de der den ten ter da dos das di del della la le du bin ibn al el y zu af".split()  # noqa: SIM905
)
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n\"“(>?]|\s[-–—])\s*$")
_AFTER_PERSON = re.compile(
    r"(?i:\s*(?:,\s*)?(?:said|says|told|asked|explained|lives|lived|(?:is|was) (?:from|(?:a |an )?(?:very|really|so))|was|"
    r"has|had|will|would|began|begins|spent|shouted|wrote|writes|listed|joined|works|worked|"
    r"and (?:his|her|their) |who|whose|can (?:i|you)|could you|please|thanks|thank)\b)"
)
"""What often follows a person's name: a verb of speech or life, a question to them."""
_PERSON_VERB = re.compile(
    r"(?i:\s*(?:,\s*)?(?:said|says|told|asked|explained|lives|lived|began|begins|spent|shouted|"
    r"wrote|writes|listed|joined|works|worked|who)\b)"
)
"""The verbs of ``_AFTER_PERSON`` that a place never takes."""
_BEFORE_PERSON = re.compile(
    r"(?i:(?:\b(?:by|to|with|and|from|at|for|of|called|named|about|tribute to|kid|son|daughter|"
    r"wife|husband|mother|father|brother|sister|friend|boss|ex-[\w-]+|producer|director|"
    r"starring|featuring|feat\.|hi|hey|dear|thanks|thank you|shouted at|given|had given)|:)\s+$)"
)
"""What often precedes a name inside a sentence."""
_STRONG_AFTER = re.compile(
    r"(?i:\s*,\s*(?:can|could|would|will|please|do|did|are|were|have|may) (?:i|you|we)\b|"
    r"\s+(?:said|says|told|asked|replied|shouted)\b)"
)
_STRONG_BEFORE = re.compile(
    r"(?i:\b(?:said|says|told|asked|replied|shouted (?:at|to))\s+(?:[A-Z][\w'’-]+ to\s+)?$)"
)
"""Speech around a single word: "Warrane, can I ...", "said Maslin to Antonio"."""
_PLACE_BEFORE = re.compile(
    r"(?i:\b(?:in|at|from|near|visit|visited|via|on|(?:return(?:ed)?|went|go(?:ing)?|moved?|flew|fly|"
    r"travel(?:l?ed)?|drove|back|way|trip|headed|welcome) to)\s+(?:the\s+)?$)"
)
_TITLES = frozenset(
    """producer director actor actress singer president senator governor mayor minister professor
    prof doctor dr captain general colonel major judge father mother uncle aunt sister brother
    saint king queen prince princess lord lady sir dame coach officer agent detective nurse chef
    author editor ceo cto chairman chairwoman commenter reporter player rapper drummer guitarist
    songwriter composer artist writer poet host commissioner chancellor secretary manager founder
    mr mrs ms miss mx herr frau monsieur madame señor señora signor signora senhor senhora""".split()  # noqa: SIM905
)
"""Capitalised words that may stand before a name without being part of it."""
_LOWER_CUE = re.compile(
    r"\b(?:my name is|my name's|name is|call me|calls me|i am|i'm|this is|named)\s+"
    r"([^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,2})"
)
"""A name cue in text typed without capitals; the words after it are weighed one by one."""


_NOT_IN_NAMES = frozenset(
    """alley avenue bend bluff bluffs branch bridge brook brooks bypass camp canyon cape causeway
    center centre circle cliff cliffs club common corner corners course court courts cove coves
    creek crescent crest crossing dale dam divide drive estate estates expressway extension falls
    ferry field fields flat flats ford fork forks fort freeway garden gardens gateway glen green
    grove harbor haven heights highway hill hills hollow inlet island islands isle junction key
    knoll lake lakes landing lane light lights lock lodge loop mall manor meadow meadows mews mill
    mills motorway mount mountain neck orchard oval overpass park parkway pass path pike pine
    pines place plain plains plaza point points port prairie ranch rapids ridge river road route
    row run shoal shore shores skyway spring springs square station stream street summit terrace
    throughway trace track trail tunnel turnpike underpass valley via viaduct view village ville
    vista walk way well wells
    investments investment software agency ratings orchestra band records studio studios
    consulting capital partners bank airlines motors pharmaceuticals logistics analytics
    insurance energy entertainment networks network digital labs solutions enterprises
    industries incorporated corporation limited plc gmbh ag sa srl bv
    avenida rua rue calle via viale piazza strasse straße ul""".split()  # noqa: SIM905
)
"""Words that make a capitalised run a street, a place or an organisation, not a person."""
_STREET_BEFORE = re.compile(
    r"(?i:\b(?:avenida|avenue|av\.|rua|rue|calle|via|viale|piazza|ul\.|boulevard|blvd\.?|"
    r"travessa|largo|praça|plaza|paseo|camino|corso|place|allée|chemin)\s+$)"
)
_COMPANY_LIST = re.compile(r"\b([A-Z][\w'’-]+), ([A-Z][\w'’-]+),? (?:and|&) ([A-Z][\w'’-]+)\b")
"""Three surnames in a list: a firm ("Jones, Mitchell and Williams") or three people."""
_FIRM_BEFORE = re.compile(r"(?i:\b(?:at|for|with|joined|the|from|of|by|to)\s+$)")
_ORG_BEFORE = re.compile(r"(?i:\b(?:works?|worked|working|employed|job) (?:for|at|with)\s+$)")


def _listed(word: str) -> bool:
    """A given name or surname of the lexicon, ordinary word or not."""
    lex = lexicon()
    key = fingerprint(word)
    return key in lex.given or key in lex.surname


def _word_score(word: str, *, upper_text: bool) -> float:
    """How name-like one word is: 0.9 a listed name, 0.4 a name that is also an ordinary
    word, 0.3-0.8 an unlisted word by the word model, 0.05 an ordinary word or a place."""
    lower = word.lower()
    if lower in NOT_NAMES or lower in _ORG_WORDS:
        return 0.0
    if word.isupper() and len(word) > 1 and not upper_text:
        return 0.1  # an acronym, a city in a postal block
    lex = lexicon()
    key = fingerprint(lower)
    named = key in lex.given or key in lex.surname
    ordinary = key in lex.common or key in lex.place
    if named:
        return 0.4 if ordinary else 0.9
    if ordinary:
        return 0.05
    return 0.3 + 0.5 * lex.word_model(lower)


def _runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of capitalised words (with initials and particles) separated by single spaces."""
    lower_text = not any(c.isupper() for c in text)
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
        particle = word in _PARTICLES
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


_FIELD_LABELS = frozenset(
    """name e-mail email phone mobile fax desk address website web date time subject note notes
    user bot customer agent assistant system client support re to from cc bcc title company""".split()  # noqa: SIM905
)
"""Labels of a form or a transcript that stand where a speaker's name could."""
_SUFFIXES = frozenset("md phd jr sr dds esq ii iii iv".split())  # noqa: SIM905
"""Letters after a name that belong to it: "Giovanna Rodrigues MD"."""
_LIST_GAP = re.compile(r",\s*(?:and\s+|&\s*)?|\s+(?:and|&|or)\s+")


def _rejected_run(text: str, run: list[tuple[int, int, str]], firms: list[tuple[int, int]]) -> bool:
    """A street, an organisation or a firm rather than a person."""
    for _, _, word in run:
        lower = word.lower()
        if lower in _NOT_IN_NAMES or lower in _ORG_WORDS or lower.rstrip("s") in _NOT_IN_NAMES:
            return True
    return any(s < run[-1][1] and run[0][0] < e for s, e in firms)


def _run_scores(run: list[tuple[int, int, str]], *, upper_text: bool) -> list[float]:
    scores: list[float] = []
    for i, (_, _, word) in enumerate(run):
        if word in _PARTICLES:
            scores.append(0.0)
        elif len(word) == 1 or (i and word.lower() in _SUFFIXES):
            scores.append(0.5)
        else:
            score = _word_score(word, upper_text=upper_text)
            if i and run[i - 1][2] in _PARTICLES:
                score = max(score, 0.5)  # "ten Pas", "de la Cruz"
            scores.append(score)
    return scores


def _firms(text: str, spans: list[tuple[int, int, float]]) -> list[tuple[int, int]]:
    """Three-surname lists: a firm after "at"/"for", before a noun or alone on a line; else
    three people. Adds the people to ``spans`` and returns the firms."""
    firms: list[tuple[int, int]] = []
    for match in _COMPANY_LIST.finditer(text):
        if any(_word_score(match.group(g), upper_text=False) < 0.3 for g in (1, 2, 3)):
            continue
        before = text[max(0, match.start() - 20) : match.start()]
        after = text[match.end() : match.end() + 20]
        own_line = re.search(r"(?:^|\n)[\W_]*$", before) and re.match(r"[ \t]*(?:\n|$)", after)
        if _FIRM_BEFORE.search(before) or re.match(r" [A-Z]?[a-z]", after) or own_line:
            firms.append(match.span())
        else:
            spans.extend((match.start(g), match.end(g), 0.6) for g in (1, 2, 3))
    return firms


def _weigh_run(
    text: str, run: list[tuple[int, int, str]], scores: list[float], *, lower_text: bool
) -> tuple[int, int, float, bool] | None:
    """``(start, end, score, single)`` when the run, trimmed, reads as a person's name."""
    lo, hi = 0, len(run)
    while lo < hi and (scores[lo] < 0.3 or len(run[lo][2]) == 1 or run[lo][2] in _PARTICLES):
        lo += 1
    while hi > lo and (scores[hi - 1] < 0.3 or run[hi - 1][2] in _PARTICLES):
        hi -= 1
    if lo >= hi or hi < len(run) or hi - lo > 5:
        return None  # nothing name-like, or a title such as "Czech Border Force"
    place = lexicon().place
    if lo:
        leading = [run[i][2] for i in range(lo)]
        at_start = _SENTENCE_END.search(text[max(0, run[0][0] - 30) : run[0][0]]) is not None
        if any(fingerprint(w) in place for w in leading):
            return None  # "Los Angeles"
        if leading[-1].lower() not in _TITLES and not (at_start and lo == 1):
            return None  # "Credit Karma": a capitalised word that is no title leads the run
    words = [
        scores[i]
        for i in range(lo, hi)
        if len(run[i][2]) > 1 and run[i][2] not in _PARTICLES and run[i][2].lower() not in _SUFFIXES
    ]
    if not words or min(words) < 0.3:
        return None
    start, end = run[lo][0], run[hi - 1][1]
    before, after = text[max(0, start - 30) : start], text[end : end + 30]
    if re.match(r"[ \t]*\d", after) or re.search(r"\d[ \t]*$", before):
        return None  # a street name next to its house number
    if _STREET_BEFORE.search(before) or _ORG_BEFORE.search(before):
        return None
    if len(words) == 1:
        speaker = re.match(r"[ \t]*:", after) and re.search(r"(?:^|\n)[\W_]*$", before)
        vocative = re.search(r"\w, $", before) and re.match(r"[?!]", after)
        if speaker and run[lo][2].lower() in _FIELD_LABELS:
            return None
        if speaker or vocative or _STRONG_AFTER.match(after) or _STRONG_BEFORE.search(before):
            return (start, end, 0.65, True) if words[0] >= 0.3 else None
    if _PLACE_BEFORE.search(before) and (
        len(words) == 1 or any(fingerprint(run[i][2]) in place for i in range(lo, hi))
    ):
        return None
    if len(words) >= 2:
        own_line = re.search(r"(?:^|\n)[\W_]*$", before) and re.match(r"[ \t]*(?:\n|$)", after)
        if lower_text:
            # Without capitals: a listed given name, then a word that is no ordinary word.
            if words[0] >= 0.85 and min(words) >= 0.3 and (_AFTER_PERSON.match(after) or own_line):
                return start, end, 0.6, False
            return None
        if min(words) >= 0.3 and _AFTER_PERSON.match(after):
            return start, end, 0.75, False
        listed = all(
            _listed(run[i][2]) for i in range(lo, hi) if scores[i] >= 0.3 and len(run[i][2]) > 1
        )
        if (
            (sum(words) >= 1.1 and max(words) >= 0.6)
            or (words[0] >= 0.85 and min(words) >= 0.3)
            or (listed and min(words) >= 0.4)
        ):
            return start, end, 0.8, False
        return None
    single = words[0]
    lead = _SENTENCE_END.search(before) is not None
    person_context = _AFTER_PERSON.match(after) is not None or (
        not lead and _BEFORE_PERSON.search(before) is not None
    )
    if lower_text:
        return (start, end, 0.6, True) if single >= 0.85 and person_context else None
    if fingerprint(run[lo][2]) in place and single < 0.85:
        # "France was super fun": a place that is also a name needs a verb of a person.
        strong = _PERSON_VERB.match(after) or (not lead and _BEFORE_PERSON.search(before))
        return (start, end, 0.6, True) if strong else None
    if single >= 0.85 or (single >= 0.4 and person_context):
        return start, end, 0.65, True
    return None


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
        if not _LIST_GAP.fullmatch(text[a[1] : b[0]]):
            continue
        for this, other in ((a, b), (b, a)):
            if (other[0], other[1]) in found and (this[0], this[1]) not in found:
                if _word_score(this[2], upper_text=upper_text) >= 0.3:
                    found.add((this[0], this[1]))
                    out.append((this[0], this[1], 0.6))
    return out


_LIST_ITEM = r"[^\W\d_][\w'’-]*"
_LIST_RUN = re.compile(rf"\b{_LIST_ITEM}(?:, {_LIST_ITEM})+")
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
        if tail is None or any(s < tail.end() and match.start() < e for s, e in firms):
            continue
        items = [(m.start(), m.end()) for m in re.finditer(_LIST_ITEM, match.group(0))]
        items = [(match.start() + a, match.start() + b) for a, b in items]
        items.append(tail.span(1))
        if len(items) > _LIST_MAX_ITEMS:
            continue
        words = [text[a:b] for a, b in items]
        if any(w.lower() in NOT_NAMES or w.lower() in _ORG_WORDS for w in words):
            continue
        if not lower_text and not all(w[0].isupper() for w in words):
            continue
        if 3 * sum(_listed(w) for w in words) < 2 * len(words):
            continue
        out.extend((a, b, 0.6) for a, b in items)
    return out


def _context_names(text: str) -> list[tuple[int, int, float]]:
    """Names found by weighing each capitalised run against the lexicon and its context."""
    upper_text = not any(c.islower() for c in text)
    lower_text = not any(c.isupper() for c in text)
    spans: list[tuple[int, int, float]] = []
    firms = _firms(text, spans)
    spans.extend(_listed_names(text, firms, lower_text=lower_text))
    runs = _runs(text)
    for run in runs:
        if _rejected_run(text, run, firms):
            continue
        weighed = _weigh_run(
            text, run, _run_scores(run, upper_text=upper_text), lower_text=lower_text
        )
        if weighed is not None:
            spans.append(weighed[:3])
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


def find_names(text: str) -> list[tuple[int, int, float]]:
    """Spans ``(start, end, score)`` that look like person names."""
    spans: list[tuple[int, int, float]] = _context_names(text)
    for match in _INITIAL.finditer(text):
        if _not_org(match.group(1)):
            spans.append((match.start(1), match.end(1), 0.75))
    for match in _NAME_CONTEXT.finditer(text):
        if _not_org(match.group(1)):
            spans.append((match.start(1), match.end(1), 0.7))
    for match in _CUE.finditer(text):
        name = match.group(1)
        if not name[0].isupper() or _first_word(name) in NOT_NAMES:
            continue
        spans.append((match.start(1), match.end(1), 0.8))
    return spans


_STREET_WORDS = (
    r"street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|dr\.?|way|court|"
    r"ct\.?|place|pl\.?|square|sq\.?|terrace|parkway|highway|hwy|circle|trail|crescent|close|"
    r"rue|avenue|allée|chemin|impasse|quai|straße|strasse|str\.|weg|gasse|platz|allee|ring|"
    r"calle|avenida|av\.|paseo|plaza|camino|via|viale|piazza|corso|vicolo|rua|travessa|largo|"
    r"praça|gata|gatan|vej|vegen|veien|tie|katu|utca|u\.|laan|straat|plein|gracht|weg|ul\."
)
_ADDRESS = re.compile(
    r"(?:(?<![\d/.-])\b\d{1,6}[A-Za-z]?,?\s+(?:[\w'’.-]+\s+){0,4}?(?:" + _STREET_WORDS + r")\b"
    r"(?:\s+[\w'’.-]+){0,3}?"
    r"|\b(?:[\w'’-]+\s+)?(?:" + _STREET_WORDS + r")\s+"
    r"(?:(?!(?:is|are|was|a|an|the|and|of|in|at|to|who|has|had)\s)[\w'’.-]+\s+){0,3}?\d{1,5}[A-Za-z]?\b"
    r"|\b[\w'’-]+(?:"
    + r"straße|strasse|gata|gatan|vej|vegen|veien|katu|straat|weg|laan|vägen|väg|gränd|gade|tie|tien|utca"
    + r")\s+\d{1,5}[A-Za-z]?\b"
    r"|\b(?:p\.?\s?o\.?\s?box|psc|unit|box)\s+\d+(?:,?\s+box\s+\d+)?(?:\s*\n?\s*(?:apo|fpo|dpo)\s+[a-z]{2}\s+\d{5})?)"
    r"(?:,?\s+(?:apt\.?|suite|unit|floor|#)\s*\d+\w?)*",
    re.IGNORECASE,
)
_SHIP = re.compile(
    r"\b(?:USNS|USNV|USS|USCGC) [A-Z][\w'’-]+(?:\s*\n?\s*(?:FPO|APO|DPO) [A-Z]{2} \d{5})?"
)
"""US military ship addresses: "USNS Mercy FPO AP 96672"."""
_NUMBERED_STREET = re.compile(
    r"(?<![\w.,-])\d{3,6} ((?:[A-ZÀ-ÖØ-ÞĀ-Žͱ-Ͽ][\w'’.-]*|ul\.|du|de|la|del|da) ){1,3}\d{1,5}[A-Za-z]?\b"
)
"""Postcode, street name, house number (the continental order): "10115 Lindenweg 12"."""
_APT = re.compile(r"\b(?:apt\.?|apartment|suite)\s+\d+\w?\b", re.IGNORECASE)


_CORNER = re.compile(
    r"\bcorner of ((?:[\w'’.-]+ ){0,5}?[\w'’.-]+ and (?:[A-ZÀ-ÖØ-Þ0-9][\w'’.-]*)(?: [A-ZÀ-ÖØ-Þ][\w'’.-]*){0,3})",
    re.IGNORECASE,
)
"""A street corner: "the corner of Dalbraut 99 and Frederikke Coves"."""
_POSTCODE_LINE = re.compile(
    r"(?m)^[ \t>?*-]*(?:[A-ZÀ-ÖØ-ÞĀ-Žͱ-Ͽ][\w'’().-]*[ \t]+){1,3}(\d{4,6})[ \t]*$"
)
"""The last line of a postal block: a country or city, then the postcode."""


def _merged(spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Overlapping address parts joined into one span with the best score."""
    out: list[tuple[int, int, float]] = []
    for start, end, score in sorted(spans):
        if out and start < out[-1][1]:
            last = out[-1]
            out[-1] = (last[0], max(last[1], end), max(last[2], score))
        else:
            out.append((start, end, score))
    return out


def find_addresses(text: str) -> list[tuple[int, int, float]]:
    """Spans ``(start, end, score)`` that look like street addresses."""
    spans = [(m.start(), m.end(), 0.7) for m in _ADDRESS.finditer(text)]
    spans.extend((m.start(), m.end(), 0.7) for m in _SHIP.finditer(text))
    spans.extend((m.start(), m.end(), 0.7) for m in _NUMBERED_STREET.finditer(text))
    spans.extend((m.start(), m.end(), 0.55) for m in _APT.finditer(text))
    spans.extend((m.start(1), m.end(1), 0.6) for m in _CORNER.finditer(text))
    if spans:
        # A postcode line counts only in a text that already holds an address.
        spans.extend((m.start(1), m.end(1), 0.55) for m in _POSTCODE_LINE.finditer(text))
    return _merged(spans)
