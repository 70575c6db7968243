"""PII detection: patterns with checksums, ``phonenumbers`` for phones, heuristics for names
and street addresses.

presidio-analyzer is not imported at run time: importing it pulls spaCy and torch (about
11 s and hundreds of MB), which the gateway cannot afford per process. Its recognizers are the
comparison point in ``bench/safety``; the checks here cover the same structured entities with
checksums, plus names and addresses that its pattern recognizers miss.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import phonenumbers

from modelsteward.safety.guards import pii_checks as chk
from modelsteward.safety.guards.addresses import find_addresses
from modelsteward.safety.guards.names import addressees, find_names
from modelsteward.safety.interface import Category, Detection, Role


@dataclass(frozen=True, slots=True)
class _Pattern:
    label: str
    regex: re.Pattern[str]
    check: Callable[[str], bool] | None = None
    score: float = 0.9
    context: re.Pattern[str] | None = None
    """When set, the match counts only with one of these words within 40 characters before."""
    needs: str = "digit"
    """What a text must hold for the pattern to be tried at all: ``digit``, or a literal
    character every match contains (one C-level test instead of a regex pass)."""


_SEP = r"[ \-.]?"
_PATTERNS: tuple[_Pattern, ...] = (
    _Pattern(
        "EMAIL_ADDRESS",
        re.compile(
            r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b"
        ),
        score=0.95,
        needs="@",
    ),
    _Pattern(
        "CREDIT_CARD", re.compile(r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])"), chk.card_ok, 0.95
    ),
    # Maestro numbers can be 12 digits: too close to other ids to trust without a card word.
    _Pattern(
        "CREDIT_CARD",
        re.compile(r"\d(?<![\d-]\d)(?:[ -]?\d){11}(?![\d-])"),
        chk.card_ok,
        0.95,
        re.compile(r"card|maestro|visa|mastercard|carte|karte|tarjeta|cartão|carta", re.I),
    ),
    _Pattern("IBAN_CODE", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"), chk.iban_ok, 0.95),
    # Typed in lower case, in one piece: the mod-97 check keeps look-alikes out.
    _Pattern("IBAN_CODE", re.compile(r"\b[a-z]{2}\d{2}[a-z0-9]{11,30}\b"), chk.iban_ok, 0.95),
    _Pattern("US_SSN", re.compile(r"\d(?<![\d-]\d)\d{2}-\d{2}-\d{4}(?![\d-])"), chk.ssn_ok, 0.85),
    _Pattern(
        "US_SSN",
        re.compile(r"\d(?<![\d-]\d)\d{2} ?\d{2} ?\d{4}(?![\d-])"),
        chk.ssn_ok,
        0.85,
        re.compile(r"ssn|social security|ss#", re.I),
    ),
    _Pattern(
        "UK_NHS",
        re.compile(r"\d(?<!\d\d)\d{2} ?\d{3} ?\d{4}(?!\d)"),
        chk.nhs_ok,
        0.97,
        re.compile(r"nhs", re.I),
    ),
    _Pattern(
        "UK_NINO",
        re.compile(
            r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
        ),
        score=0.8,
    ),
    _Pattern("ES_NIF", re.compile(r"\b[XYZ]?\d{7,8}-?[A-Z]\b"), chk.dni_ok, 0.85),
    _Pattern(
        "FR_NIR",
        re.compile(r"\b[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b"),
        chk.nir_ok,
        0.85,
    ),
    _Pattern(
        "IT_FISCAL_CODE",
        re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b", re.I),
        score=0.9,
    ),
    _Pattern(
        "BR_CPF", re.compile(r"\d(?<!\d\d)\d{2}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)"), chk.cpf_ok, 0.85
    ),
    _Pattern(
        "NL_BSN",
        re.compile(r"\d(?<!\d\d)\d{8}(?!\d)"),
        chk.bsn_ok,
        0.7,
        re.compile(r"bsn|burgerservice", re.I),
    ),
    _Pattern("IN_PAN", re.compile(r"\b[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z]\b"), score=0.8),
    _Pattern(
        "IN_AADHAAR",
        re.compile(r"[2-9](?<!\d[2-9])\d{3} ?\d{4} ?\d{4}(?!\d)"),
        None,
        0.8,
        re.compile(r"aadhaar|aadhar|uidai", re.I),
    ),
    _Pattern(
        "IP_ADDRESS",
        re.compile(
            r"\d(?<![\d.]\d)\d{0,2}(?:\.\d{1,3}){3}(?![\d.])"  # octet ranges: ``ip_ok``
        ),
        chk.ip_ok,
        0.85,
    ),
    _Pattern(
        "IP_ADDRESS",
        re.compile(
            r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f:]*)(?![\w:])"
        ),
        chk.ip_ok,
        0.8,
        needs=":",
    ),
    _Pattern(
        "MAC_ADDRESS",
        re.compile(r"\b[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}\b"),
        score=0.85,
        needs="",  # "ab:cd:ef:ab:cd:ef" holds no decimal digit
    ),
)
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,18}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w])"
)
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_DATE = re.compile(
    r"(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|[12]\d|3[01])\2(?:19|20)?\d{2}"
)
"""A calendar date (valid month and day ranges, one separator): not a phone number."""
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "IN", "AU", "CH", "CA")
_PHONE_CONTEXT = re.compile(
    r"phone|call|tel|mobile|desk|office|answering at|reach me|cell|fax|contact|whatsapp|text me|number|"
    r"téléphone|telefon|teléfono|telefono|appel|anruf",
    re.I,
)


_PHONE_LABEL_AFTER = re.compile(
    r"[ \t]*[(\[]?(?:office|fax|mobile|cell|home|work|tel|phone|direct|landline|whatsapp)\b", re.I
)
"""A label right after a number: "28-64-66-98 office", "555 0199 (mobile)"."""


def _phone_ok(raw: str, *, international: bool, context: bool) -> bool:
    """A phone word right before the number is enough; otherwise ``phonenumbers`` must
    accept it (possible for ``+`` numbers, valid in one of the regions for the others)."""
    if context:
        return True
    for region in ("ZZ",) if raw.startswith("+") else _PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, None if region == "ZZ" else region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) or (
            international and phonenumbers.is_possible_number(number)
        ):
            return True
    return False


_DIGIT_GROUP = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
_PHONE_VALIDATIONS = 256
"""At most this many candidates per text are validated with ``phonenumbers`` (about 0.3 ms
each, so at most about 0.1 s a text); past that budget a dense list of digit groups is judged by its shape alone, so a
hostile text costs linear time and its numbers are still redacted (fail closed)."""


def _phones(text: str) -> list[Detection]:
    found: list[Detection] = []
    budget = _PHONE_VALIDATIONS
    for match in _PHONE_CANDIDATE.finditer(text):
        raw = match.group(0).strip()
        digit_groups = _DIGIT_GROUP.findall(raw)
        digits = "".join(digit_groups)
        if not 7 <= len(digits) <= 18 or _DATE.match(raw) or _SSN_SHAPE.fullmatch(raw):
            continue
        if len(set(digits)) < 3:
            continue  # "9999999999", "1212121212": a placeholder, not a number anyone has
        international = raw.startswith(("+", "00"))
        lo = max(0, match.start() - 40)
        context = bool(
            # Every phone word has a letter: a window without one (a list of numbers) is
            # not searched.
            (
                _LETTER.search(text, lo, match.start())
                and _PHONE_CONTEXT.search(text, lo, match.start())
            )
            or _PHONE_LABEL_AFTER.match(text, match.end())
        )
        # Without a "+" or a phone word nearby, only a full national number (area code
        # included) counts: short digit groups are house numbers, zips and ids.
        groups = len(digit_groups)
        shaped = raw.startswith("(") or (groups >= 3 and len(digits) >= 8)
        if not (international or context or shaped or len(digits) >= 10):
            continue
        budget -= not context
        if budget < 0 or _phone_ok(raw, international=international, context=context):
            start = match.start() + match.group(0).index(raw)
            score = 0.9 if (international or context) else 0.75
            found.append(
                _detection("PHONE_NUMBER", text, start, start + len(raw), score, "phonenumbers")
            )
    return found


def _detection(label: str, text: str, start: int, end: int, score: float, source: str) -> Detection:
    value = text[start:end]
    evidence = value[:2] + "*" * max(0, len(value) - 4) + value[-2:] if len(value) > 4 else "****"
    return Detection(
        category=Category.PII,
        score=score,
        start=start,
        end=end,
        label=label,
        evidence=evidence,
        source=source,
    )


def _resolve(found: list[Detection], size: int | None = None) -> tuple[Detection, ...]:
    """Keep the strongest, then longest, of overlapping spans. A byte per character marks
    what is kept, so testing and marking a span are one C-level ``find`` and one slice
    assignment (a sorted list with inserts moves half the list per span: quadratic on a
    text with tens of thousands of spans)."""
    taken = bytearray(max((d.end for d in found), default=0) if size is None else size)
    kept: list[Detection] = []
    for det in sorted(found, key=lambda d: (-d.score, -(d.end - d.start), d.start)):
        if taken.find(1, det.start, det.end) >= 0:
            continue
        taken[det.start : det.end] = b"\x01" * (det.end - det.start)
        kept.append(det)
    kept.sort(key=lambda d: d.start)
    return tuple(kept)


_DIGIT = re.compile(r"\d")


def find_pii(text: str) -> tuple[Detection, ...]:
    """Every PII span in ``text``, overlaps resolved, in text order."""
    found: list[Detection] = []
    digits = _DIGIT.search(text) is not None
    for pattern in _PATTERNS:
        if not digits if pattern.needs == "digit" else pattern.needs not in text:
            continue
        for match in pattern.regex.finditer(text):
            value = match.group(0)
            if pattern.check is not None and not pattern.check(value):
                continue
            if pattern.context is not None and not pattern.context.search(
                text, max(0, match.start() - 40), match.start()
            ):
                continue
            found.append(
                _detection(
                    pattern.label, text, match.start(), match.end(), pattern.score, "pattern"
                )
            )
    addresses = find_addresses(text)  # disjoint and sorted
    address_ends = [a_end for _, a_end, _ in addresses]

    def in_address(start: int, end: int) -> bool:
        i = bisect.bisect_right(address_ends, start)  # the first address ending after start
        return i < len(addresses) and addresses[i][0] < end

    # House numbers and postcodes next to each other read like a national phone number.
    found.extend(
        p
        for p in _phones(text)
        if text.startswith(("+", "00"), p.start) or not in_address(p.start, p.end)
    )
    for start, end, score in addresses:
        found.append(_detection("STREET_ADDRESS", text, start, end, score, "address"))
    for start, end, score in [*find_names(text), *addressees(text, addresses)]:
        # A street named after a person is part of an address, not a name.
        if not in_address(start, end):
            found.append(_detection("PERSON", text, start, end, score, "names"))
    return _resolve(found, len(text))


class PiiGuard:
    """Personal data: emails, phones, cards, IBANs, national ids, IP/MAC, names, addresses."""

    name = "pii"

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        """PII spans in ``text`` (role does not change what PII is)."""
        return find_pii(text)

    def check_request(self, messages: Sequence[Mapping[str, object]]) -> tuple[Detection, ...]:
        """PII spans in every message's text."""
        out: list[Detection] = []
        for message in messages:
            content = message.get("content")
            if isinstance(content, str):
                out.extend(find_pii(content))
        return tuple(out)
