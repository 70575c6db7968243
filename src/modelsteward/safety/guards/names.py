"""Person names and street addresses without an NER model.

Names: a capitalised word sequence after a cue ("my name is", "Dear", "Mr.", "signed") in six
languages, or starting with a given name from a small multilingual gazetteer. Addresses: a
house number next to a street word (Street, Rue, Straße, Calle, Via, Rua...), PO boxes and
military addresses, with an optional unit, city and postcode tail.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

import re

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
    r"(?i:\b(?:my name is|my name's|i am|i'm|this is|call me|named|name:|dear|hi|hello|"
    r"regards,|sincerely,|signed|contact|ask for|patient|mr\.?|mrs\.?|ms\.?|miss|dr\.?|prof\.?|"
    r"je m'appelle|je suis|m\.|mme|monsieur|madame|ich heiße|ich bin|herr|frau|me llamo|soy|"
    r"señor|señora|sr\.?|sra\.?|mi chiamo|sono|signor|signora|meu nome é|eu sou|senhor|senhora)"
    r"\s+)(" + _CAP_SEQ + ")",
)
_SEQ = re.compile(r"\b(" + _CAP_SEQ + r")\b")
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


def find_names(text: str) -> list[tuple[int, int, float]]:
    """Spans ``(start, end, score)`` that look like person names."""
    spans: list[tuple[int, int, float]] = []
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
    for match in _SEQ.finditer(text):
        words = match.group(1).split()
        first = words[0].lower()
        if first in GIVEN_NAMES and (len(words) > 1 or match.start() > 0):
            spans.append((match.start(1), match.end(1), 0.75 if len(words) > 1 else 0.6))
    return spans


_STREET_WORDS = (
    r"street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|dr\.?|way|court|"
    r"ct\.?|place|pl\.?|square|sq\.?|terrace|parkway|highway|hwy|circle|trail|crescent|close|"
    r"rue|avenue|allée|chemin|impasse|quai|straße|strasse|str\.|weg|gasse|platz|allee|ring|"
    r"calle|avenida|av\.|paseo|plaza|camino|via|viale|piazza|corso|vicolo|rua|travessa|largo|"
    r"praça|gata|gatan|vej|vegen|veien|tie|katu|utca|u\.|laan|straat|plein|gracht|weg"
)
_ADDRESS = re.compile(
    r"(?:(?<![\d/.-])\b\d{1,6}[A-Za-z]?,?\s+(?:[\w'’.-]+\s+){0,4}?(?:" + _STREET_WORDS + r")\b"
    r"(?:\s+[\w'’.-]+){0,3}?"
    r"|\b(?:[\w'’-]+\s+)?(?:" + _STREET_WORDS + r")\s+(?:[\w'’.-]+\s+){0,3}?\d{1,5}[A-Za-z]?\b"
    r"|\b[\w'’-]+(?:"
    + r"straße|strasse|gata|gatan|vej|vegen|veien|katu|straat|weg|laan"
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


def find_addresses(text: str) -> list[tuple[int, int, float]]:
    """Spans ``(start, end, score)`` that look like street addresses."""
    spans = [(m.start(), m.end(), 0.7) for m in _ADDRESS.finditer(text)]
    spans.extend((m.start(), m.end(), 0.7) for m in _SHIP.finditer(text))
    spans.extend((m.start(), m.end(), 0.7) for m in _NUMBERED_STREET.finditer(text))
    spans.extend((m.start(), m.end(), 0.55) for m in _APT.finditer(text))
    return spans
