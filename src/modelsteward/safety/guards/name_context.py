"""The words and phrases around a person's name: what may stand before or after one, and
what rules a capitalised run out (street, firm and organisation words, form labels, places).

``names.py`` weighs capitalised runs with these tables and the lexicon.
"""

# ruff: noqa: E501  (pattern and word tables read best one entry per line)

from __future__ import annotations

import re


class Backward:
    """A pattern that must end where its window ends ("what stands right before a name").

    A ``$``-anchored ``search`` tries every start position of the window, each against
    every alternative (2-20 µs per 30-character window, once per capitalised word). The
    same pattern written backwards is tried once, anchored, on the reversed window.
    ``forward`` is the pattern as read; tests check that both agree.
    """

    __slots__ = ("forward", "reversed")

    def __init__(self, forward: str, reversed_: str) -> None:
        self.forward = re.compile(forward)
        self.reversed = re.compile(reversed_)

    def search(self, before: str) -> re.Match[str] | None:
        """The match of the reversed pattern on the reversed ``before``, or ``None``."""
        return self.reversed.match(before[::-1])

    def group(self, before: str, index: int = 1) -> str | None:
        """Group ``index`` of the match, read forwards again."""
        match = self.reversed.match(before[::-1])
        return None if match is None else match.group(index)[::-1]


def _rev(words: str, *phrases: str) -> str:
    """An alternation of literal words (separated by spaces) and phrases, each written
    backwards."""
    return "(?:" + "|".join(re.escape(p[::-1]) for p in (*words.split(), *phrases)) + ")"


NOT_NAMES = frozenset(
    """i the a an and or but if in on at to for of with from by this that it is are was were
    be been my your our their his her we you they he she please thanks thank hello hi dear
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december sorry ok okay yes no not sure happy
    going here there also just really very good great new what when where why how who which
    can could would should will shall do does did have has had mr mrs ms dr prof miss sir
    madam herr frau mme monsieur madame señor señora signor signora senhor senhora
    many most some all each every any both several few more other such same first last
    name names""".split()  # noqa: SIM905
)

NOT_PERSONS = frozenset(
    """english french spanish german italian portuguese dutch greek turkish polish swedish
    norwegian danish finnish russian ukrainian czech hungarian romanian chinese japanese
    korean vietnamese thai indonesian hindi bengali urdu arabic persian hebrew swahili latin
    american british canadian australian indian mexican brazilian african european asian
    christian christianity muslim islam islamic hindu hinduism buddhist buddhism jewish
    judaism sikh sikhism catholic protestant atheist atheism
    python java javascript typescript ruby perl php kotlin scala swift haskell rust golang
    fortran cobol pascal matlab jupyter numpy pandas django flask react angular vue node
    docker kubernetes linux unix ubuntu debian windows android ios macos excel powerpoint
    jira confluence slack github gitlab bitbucket jenkins postgres mysql sqlite mongodb redis
    oracle microsoft google amazon apple facebook meta twitter instagram linkedin youtube
    reddit netflix spotify tesla uber airbnb whatsapp zoom dropbox paypal ebay wikipedia
    forbes reuters bloomberg guardian nasa unesco unicef
    stanford harvard yale princeton cornell oxford cambridge berkeley caltech
    kelvin celsius fahrenheit""".split()  # noqa: SIM905
)
"""Languages, nationalities, religions, well-known products, media and universities: a
capitalised word of these is never a person on its own."""

EPONYM_AFTER = re.compile(
    r"[ \t]+(?:code|coding|codes|number|numbers|algorithm|sequence|series|function|class|"
    r"method|script|program|library|package|module|framework|syntax|version|distance|test|"
    r"theorem|problem|equation|formula|notation|sort|search|tree|encoding|cipher|curve|"
    r"graph|format|file|files|object|objects|string|strings|list|array|table|query|scale|"
    r"degrees|tickets?|books?|novels?|movies?|films?|franchise|universe|characters?)\b"
)
"""A lower-case noun right after a capitalised word makes it a modifier ("Python code",
"Huffman coding", "Armstrong number", "Harry Potter series"), not a person."""

ORG_WORDS = frozenset(
    """inc llc ltd corp co company group bank university college school hospital technologies
    technology systems services solutions international news times airlines air health care
    labs partners capital holdings foundation institute association agency media studios
    street avenue road city county state republic kingdom united new north south east west
    award awards prize medal trophy theorem algorithm conjecture""".split()  # noqa: SIM905
)

PARTICLES = frozenset(
    "van von de der den ten ter da dos das di del della la le du bin ibn al el y zu af".split()  # noqa: SIM905
)

SENTENCE_END = Backward(
    r"(?:^|[.!?:;\n\"“(>?]|\s[-–—])\s*$",
    r"\s*(?:\Z|[.!?:;\n\"“(>?]|[-–—]\s)",
)

AFTER_PERSON = re.compile(
    r"(?i:\s*(?:,\s*)?(?:said|says|told|asked|explained|lives|lived|(?:is|was) (?:from|(?:a |an )?(?:very|really|so))|was|"
    r"has|had|will|would|began|begins|spent|shouted|wrote|writes|listed|joined|works|worked|"
    r"and (?:his|her|their) |who|whose|can (?:i|you)|could you|please|thanks|thank)\b)"
)
"""What often follows a person's name: a verb of speech or life, a question to them."""

PERSON_VERB = re.compile(
    r"(?i:\s*(?:,\s*)?(?:said|says|told|asked|explained|lives|lived|began|begins|spent|shouted|"
    r"wrote|writes|listed|joined|works|worked|who)\b)"
)
"""The verbs of ``AFTER_PERSON`` that a place never takes."""

BEFORE_PERSON = Backward(
    r"(?i:(?:\b(?:by|to|with|and|from|at|for|of|called|named|about|tribute to|kid|son|daughter|"
    r"wife|husband|mother|father|brother|sister|friend|boss|ex-[\w-]+|producer|director|"
    r"starring|featuring|feat\.|hi|hey|dear|thanks|thank you|shouted at|given|had given)|:)\s+$)",
    r"(?i:\s+(?:(?:[\w-]+-xe|"
    + _rev(
        "by to with and from at for of called named about kid son daughter wife husband mother father brother sister friend boss producer director starring featuring feat. hi hey dear thanks given",
        "tribute to",
        "thank you",
        "shouted at",
        "had given",
    )
    + r")\b|:))",
)
"""What often precedes a name inside a sentence."""

STRONG_AFTER = re.compile(
    r"(?i:\s*,\s*(?:can|could|would|will|please|do|did|are|were|have|may) (?:i|you|we)\b|"
    r"\s+(?:said|says|told|asked|replied|shouted)\b)"
)

STRONG_BEFORE = Backward(
    r"(?i:\b(?:said|says|told|asked|replied|shouted (?:at|to))\s+(?:[A-Z][\w'’-]+ to\s+)?$)",
    r"(?i:(?:\s+ot [\w'’-]+[A-Z])?\s+"
    + _rev("said says told asked replied", "shouted at", "shouted to")
    + r"\b)",
)
"""Speech around a single word: "Warrane, can I ...", "said Maslin to Antonio"."""

PLACE_BEFORE = Backward(
    r"(?i:\b(?:in|at|from|near|visit|visited|via|on|(?:return(?:ed)?|went|go(?:ing)?|moved?|flew|fly|"
    r"travel(?:l?ed)?|drove|back|way|trip|headed|welcome) to)\s+(?:the\s+)?$)",
    r"(?i:(?:\s+eht)?\s+(?:"
    + _rev("in at from near visit visited via on")
    + "|ot "
    + _rev(
        "return returned went go going move moved flew fly travel traveled travelled drove back way trip headed welcome"
    )
    + r")\b)",
)

TITLES = frozenset(
    """producer director actor actress singer president senator governor mayor minister professor
    prof doctor dr captain general colonel major judge father mother uncle aunt sister brother
    saint king queen prince princess lord lady sir dame coach officer agent detective nurse chef
    author editor ceo cto chairman chairwoman commenter reporter player rapper drummer guitarist
    songwriter composer artist writer poet host commissioner chancellor secretary manager founder
    mr mrs ms miss mx herr frau monsieur madame señor señora signor signora senhor senhora""".split()  # noqa: SIM905
)
"""Capitalised words that may stand before a name without being part of it."""

NOT_IN_NAMES = frozenset(
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

STREET_BEFORE = Backward(
    r"(?i:\b(?:avenida|avenue|av\.|rua|rue|calle|via|viale|piazza|ul\.|boulevard|blvd\.?|"
    r"travessa|largo|praça|plaza|paseo|camino|corso|place|allée|chemin)\s+$)",
    r"(?i:\s+"
    + _rev(
        "avenida avenue av. rua rue calle via viale piazza ul. boulevard blvd blvd. travessa largo praça plaza paseo camino corso place allée chemin"
    )
    + r"\b)",
)

FIRM_BEFORE = Backward(
    r"(?i:\b(?:at|for|with|joined|the|from|of|by|to)\s+$)",
    r"(?i:\s+" + _rev("at for with joined the from of by to") + r"\b)",
)

ORG_BEFORE = Backward(
    r"(?i:\b(?:works?|worked|working|employed|job) (?:for|at|with)\s+$)",
    r"(?i:\s+(?:rof|ta|htiw) " + _rev("work works worked working employed job") + r"\b)",
)

FIELD_LABELS = frozenset(
    """name e-mail email phone mobile fax desk address website web date time subject note notes
    user bot customer agent assistant system client support re to from cc bcc title company
    born job list size question answer input output example result results value values key
    string table column columns row rows price rating topic category categories type status
    summary description personality nationality language attributes education occupation
    location dimensions features format source target query response context instruction
    instructions task goal text sentence word words data sender content output example
    product products item items""".split()  # noqa: SIM905
)
"""Labels of a form, a transcript or a data listing that stand where a speaker's name
could."""

THING_NAME_BEFORE = Backward(
    r"(?i:\b(?:table|column|file|folder|product|project|company|business|brand|class|field|"
    r"variable|function|method|database|app|application|item|course|book|store|shop|team|"
    r"event|model|package|module|host|domain|server|device|network|pet|dog|cat|street|city|"
    r"country|user|account|display|screen|sheet|tab|key|restaurant|hotel|band|song|album|"
    r"game|site|website|channel|page|group)\s+$)",
    r"(?i:\s+"
    + _rev(
        "table column file folder product project company business brand class field variable "
        "function method database app application item course book store shop team event "
        "model package module host domain server device network pet dog cat street city "
        "country user account display screen sheet tab key restaurant hotel band song album "
        "game site website channel page group"
    )
    + r"\b)",
)
"""A thing's noun before "name:" ("Table name: Sales"): the name of a thing, not a person."""

LINE_START = Backward(
    r"(?:^|\n)[\W_]*$",
    r"[\W_]*(?:\Z|\n)",
)
"""Matches the text before a span that starts its line (after bullets or quote marks)."""

LINE_END = re.compile(r"[ \t]*(?:\n|$)")
"""Matches the text after a span that ends its line."""

SUFFIXES = frozenset("md phd jr sr dds esq ii iii iv".split())  # noqa: SIM905
"""Letters after a name that belong to it: "Giovanna Rodrigues MD"."""

PLACE_OF = Backward(
    r"(?i:\b(?:capital|city|cities|history|map|population|weather|climate|streets|mayor|"
    r"people|museums?|suburbs?|center|centre|outskirts|south|north|east|west|heart|king|queen|"
    r"president|government|economy|culture|cuisine|food|flag|border|coast|airport|university|"
    r"port|region|province|state|country|capitals|tour|trip|map|parts|rest|citizens?|time zone)"
    r" (?:of|in) (?:the )?$)",
    r"(?i:\n?(?: eht)? (?:fo|ni) "
    + _rev(
        "capital city cities history map population weather climate streets mayor people museum museums suburb suburbs center centre outskirts south north east west heart king queen president government economy culture cuisine food flag border coast airport university port region province state country capitals tour trip parts rest citizen citizens",
        "time zone",
    )
    + r"\b)",
)
"""A noun of a place right before "of"/"in": "the capital of", "the history of"."""

LIST_NEIGHBOUR_AFTER = re.compile(
    r"(?:,\s*|\s+(?:and|or|&|to|vs\.?|versus)\s+)([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)"
)
LIST_NEIGHBOUR_BEFORE = Backward(
    r"(?<![\w'’-])([A-Z][\w'’-]+)(?:,\s*|\s+(?:and|or|&|to|vs\.?|versus)\s+)$",
    r"(?:\s*,|\s+(?:dna|ro|&|ot|\.?sv|susrev)\s+)([\w'’-]+[A-Z])(?![\w'’-])",
)
"""The capitalised word listed right after or before a span ("Paris and London")."""
