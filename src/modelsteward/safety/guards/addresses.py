"""Street addresses by pattern, in many languages.

A house number next to a street word (Street, Rue, Straße, Calle, Via, Rua...), postcode +
street + house number, PO boxes, military and ship addresses, "the corner of A and B", and
the "<country> <postcode>" line of a postal block; overlapping parts join into one span.
"""

# ruff: noqa: E501  (pattern tables read best one entry per line)

from __future__ import annotations

import re

_STREET_WORDS = (
    r"street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|dr\.?|way|court|"
    r"ct\.?|place|pl\.?|square|sq\.?|terrace|parkway|highway|hwy|circle|trail|crescent|close|"
    r"rue|avenue|allée|chemin|impasse|quai|straße|strasse|(?-i:Str\.)|weg|gasse|platz|allee|ring|"
    r"calle|avenida|av\.|paseo|plaza|camino|via|viale|piazza|corso|vicolo|rua|travessa|largo|"
    r"praça|gata|gatan|vej|vegen|veien|tie|katu|utca|(?-i:u\.)|laan|straat|plein|gracht|weg|ul\."
)
_SUFFIX_WORDS = "straße|strasse|str\\.|gata|gatan|vej|vegen|veien|katu|straat|weg|laan|vägen|väg|gränd|gade|tie|tien|utca"
_TOKEN = re.compile(r"[^\W\d_]+")
_ADDRESS_WORDS = frozenset(
    re.sub(r"\(\?-i:|\)|\\\.\??", "", w).lower() for w in _STREET_WORDS.split("|")
) | {"box", "psc", "unit"}
"""The words ``_ADDRESS`` needs one of (a street word, a box), as the tokens of a text."""
_SUFFIXES = tuple(w.replace("\\.", "") for w in _SUFFIX_WORDS.split("|"))
"""Or a word ending in a street suffix ("Hauptstraße", "Kiannonkatu")."""
_APT_WORDS = frozenset({"apt", "apartment", "suite"})
_SHIP_WORDS = frozenset({"usns", "usnv", "uss", "uscgc"})
_ADDRESS = re.compile(
    r"(?:(?<![\d/.-])\b\d{1,6}[A-Za-z]?,?[ \t]+(?:(?!(?:and|or|the|is|are|was|to|in|at|of|for|with|by|from)\s)[\w'’.-]+[ \t]+){0,4}?(?:"
    + _STREET_WORDS
    + r")\b"
    r"(?:\s+[\w'’.-]+){0,3}?"
    r"|\b(?:(?<![\w'’-])[\w'’-]+[ \t]+)?(?:" + _STREET_WORDS + r")[ \t]+"
    r"(?:(?!(?:is|are|was|a|an|the|and|of|in|at|to|who|has|had|between|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)\s)"
    r"[\w'’.-]+[ \t]+){0,3}?\d{1,5}[A-Za-z]?\b"
    r"|(?<![\w'’-])[\w'’-]+(?:" + _SUFFIX_WORDS + r")\s+\d{1,5}[A-Za-z]?\b"
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
    r"(?m)^[ \t>?*-]*(?:(?:[^\W\d_][\w'’.-]*|\([^\W\d_][\w'’.-]*\))[ \t]+){1,3}(\d{4,6})[ \t]*$"
)
"""The last line of a postal block: a country or city, then the postcode."""


_DIGIT = re.compile(r"\d")


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
    """Spans ``(start, end, score)`` that look like street addresses: disjoint, in text
    order."""
    spans: list[tuple[int, int, float]] = []
    # Each pattern runs only on a text holding one of the words it needs (the words in one
    # C-level pass, a set lookup each): a case-blind alternation of street words tried at
    # every word boundary costs 1-2 s per MB of text that holds none.
    words = set(_TOKEN.findall(text.lower()))
    if _DIGIT.search(text) is not None:
        # Every form but a ship's name and a street corner holds a number.
        if not words.isdisjoint(_ADDRESS_WORDS) or any(w.endswith(_SUFFIXES) for w in words):
            spans.extend((m.start(), m.end(), 0.7) for m in _ADDRESS.finditer(text))
        spans.extend((m.start(), m.end(), 0.7) for m in _NUMBERED_STREET.finditer(text))
        if not words.isdisjoint(_APT_WORDS):
            spans.extend((m.start(), m.end(), 0.55) for m in _APT.finditer(text))
    if not words.isdisjoint(_SHIP_WORDS):
        spans.extend((m.start(), m.end(), 0.7) for m in _SHIP.finditer(text))
    if "corner" in words:
        spans.extend((m.start(1), m.end(1), 0.6) for m in _CORNER.finditer(text))
    if spans:
        # A postcode line counts only in a text that already holds an address.
        spans.extend((m.start(1), m.end(1), 0.55) for m in _POSTCODE_LINE.finditer(text))
    return _merged(spans)
