"""Checksums and validators behind the PII patterns (Luhn, IBAN mod-97, national ids)."""

from __future__ import annotations

import ipaddress

IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SA": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TR": 26,
    "UA": 29,
}


def digits_of(text: str) -> str:
    """The digits of ``text``, separators dropped."""
    return "".join(c for c in text if c.isdigit())


def luhn_ok(number: str) -> bool:
    """True when the digit string passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_ok(text: str) -> bool:
    """A plausible payment card: 12-19 digits, a known issuer prefix and a valid Luhn sum."""
    number = digits_of(text)
    if not 12 <= len(number) <= 19 or len(set(number)) < 2:
        return False
    issuer = (
        number[0] == "4"
        or 51 <= int(number[:2]) <= 55
        or 2221 <= int(number[:4]) <= 2720
        or number[:2] in ("34", "37", "36", "38", "39", "30", "35", "62", "65", "60", "50", "56")
        or number[:2] in ("57", "58", "63", "67")  # Maestro
        or number[:4] in ("6011", "2131", "1800")  # Discover, JCB
    )
    return issuer and luhn_ok(number)


def iban_ok(text: str) -> bool:
    """A valid IBAN: known country length and ISO 13616 mod-97 check."""
    code = "".join(text.split()).upper()
    if len(code) < 15 or IBAN_LENGTHS.get(code[:2], len(code)) != len(code):
        return False
    rearranged = code[4:] + code[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def ssn_ok(text: str) -> bool:
    """A US SSN outside the never-issued ranges (000, 666, 9xx area; 00 group; 0000 serial)."""
    number = digits_of(text)
    if len(number) != 9 or len(set(number)) == 1 or number == "123456789":
        return False
    area, group, serial = number[:3], number[3:5], number[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def nhs_ok(text: str) -> bool:
    """A UK NHS number (mod-11 check digit)."""
    number = digits_of(text)
    if len(number) != 10:
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(number[:9]))
    check = 11 - total % 11
    return (0 if check == 11 else check) == int(number[9]) and check != 10


def dni_ok(text: str) -> bool:
    """A Spanish DNI/NIE with its control letter."""
    code = text.upper().replace("-", "")
    body = code[:-1]
    if body[:1] in ("X", "Y", "Z"):
        body = str("XYZ".index(body[0])) + body[1:]
    if not body.isdigit():
        return False
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(body) % 23] == code[-1]


def cpf_ok(text: str) -> bool:
    """A Brazilian CPF with both check digits."""
    number = digits_of(text)
    if len(number) != 11 or len(set(number)) == 1:
        return False
    for size in (9, 10):
        total = sum(int(number[i]) * (size + 1 - i) for i in range(size))
        if (total * 10 % 11) % 10 != int(number[size]):
            return False
    return True


def bsn_ok(text: str) -> bool:
    """A Dutch BSN (eleven-test)."""
    number = digits_of(text)
    if len(number) != 9:
        return False
    total = sum(int(d) * w for d, w in zip(number, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0 and total > 0


def nir_ok(text: str) -> bool:
    """A French social security number (NIR) with its 97-complement key."""
    code = "".join(text.split()).upper()
    if len(code) != 15:
        return False
    body = code[:13].replace("2A", "19").replace("2B", "18")
    if not body.isdigit() or not code[13:].isdigit():
        return False
    return 97 - int(body) % 97 == int(code[13:])


def ip_ok(text: str) -> bool:
    """A syntactically valid IPv4 or IPv6 address (not a version number like 1.2.3.4 only)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
