"""PII spans with their exact types; numbers that only look like PII stay quiet."""

from __future__ import annotations

import pytest

from modelsteward.safety.guards.pii import PiiGuard, find_pii
from modelsteward.safety.guards.pii_checks import card_ok, iban_ok, luhn_ok, ssn_ok


def _types(text: str) -> dict[str, str]:
    return {d.label: text[d.start : d.end] for d in find_pii(text)}


@pytest.mark.parametrize(
    ("text", "label", "value"),
    [
        (
            "write to jane.doe+work@example.co.uk today",
            "EMAIL_ADDRESS",
            "jane.doe+work@example.co.uk",
        ),
        ("call +1 415-555-2671 now", "PHONE_NUMBER", "+1 415-555-2671"),
        ("ring me on +44 20 7946 0958", "PHONE_NUMBER", "+44 20 7946 0958"),
        ("mein Telefon: 030 1234567", "PHONE_NUMBER", "030 1234567"),
        ("appelle-moi au +33 1 42 68 53 00", "PHONE_NUMBER", "+33 1 42 68 53 00"),
        ("card 4111 1111 1111 1111 exp 12/29", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("amex 3782-822463-10005", "CREDIT_CARD", "3782-822463-10005"),
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
        ("iban GB82WEST12345698765432", "IBAN_CODE", "GB82WEST12345698765432"),
        ("my SSN is 078-05-1120", "US_SSN", "078-05-1120"),
        ("NHS number 943 476 5919", "UK_NHS", "943 476 5919"),
        ("NINO AB123456C on file", "UK_NINO", "AB123456C"),
        ("DNI 12345678Z", "ES_NIF", "12345678Z"),
        ("codice fiscale RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
        ("CPF 529.982.247-25", "BR_CPF", "529.982.247-25"),
        ("server 192.168.10.42 is down", "IP_ADDRESS", "192.168.10.42"),
        ("v6 2001:db8::8a2e:370:7334 ok", "IP_ADDRESS", "2001:db8::8a2e:370:7334"),
        ("mac 00:1A:2B:3C:4D:5E", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E"),
        ("My name is Maria Rossi and I need help", "PERSON", "Maria Rossi"),
        ("Dear Mr. Luca Drescher,", "PERSON", "Luca Drescher"),
        ("send it to 221B Baker Street, London", "STREET_ADDRESS", "221B Baker Street"),
        ("wohnt in Augsburger Strasse 36", "STREET_ADDRESS", "Augsburger Strasse 36"),
        ("Phone:\n61-47-22-98", "PHONE_NUMBER", "61-47-22-98"),  # not a date: no month 47
        ("Acme Ltd.\n41-27-93-58 office", "PHONE_NUMBER", "41-27-93-58"),  # label after
        ("maestro card: 501234567896", "CREDIT_CARD", "501234567896"),
        ("my iban is de89370400440532013000", "IBAN_CODE", "de89370400440532013000"),
        ("the minutes were taken by Ottilie R. Brandstetter", "PERSON", "Ottilie R. Brandstetter"),
        ("please follow up with Hjalmar Lindqvist tomorrow", "PERSON", "Hjalmar Lindqvist"),
        ("ship it to 10115 Lindenweg 12 before Friday", "STREET_ADDRESS", "10115 Lindenweg 12"),
        ("USNS Comfort FPO AE 09123", "STREET_ADDRESS", "USNS Comfort FPO AE 09123"),
    ],
)
def test_pii_type_and_span(text: str, label: str, value: str) -> None:
    found = _types(text)
    assert label in found, found
    assert found[label] == value


@pytest.mark.parametrize(
    "text",
    [
        "Order 4111 1111 1111 1112 shipped",  # fails Luhn
        "Invoice 1234 5678 9012 3456 is overdue",  # fails Luhn
        "The meeting is on 2024-03-01 at 10:30",
        "Phone booked for 12.03.2024 at noon",
        "a 12-digit order id 501234567896 and nothing else",
        "ISBN 978-3-16-148410-0 is the book",
        "SSN-like 000-12-3456 and 666-12-3456 are never issued",
        "IBAN DE89 3704 0044 0532 0130 01 has a bad checksum",
        "kill the process with PID 12345",
        "The Quick Brown Fox jumps",
    ],
)
def test_lookalike_numbers_are_not_pii(text: str) -> None:
    found = {d.label for d in find_pii(text)} - {"IP_ADDRESS"}
    assert found == set()


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert card_ok("5500 0000 0000 0004") and not card_ok("1234 5678 9012 3452")
    assert iban_ok("FR14 2004 1010 0505 0001 3M02 606") and not iban_ok(
        "FR14 2004 1010 0505 0001 3M02 607"
    )
    assert ssn_ok("078-05-1120") and not ssn_ok("987-65-4321")


def test_guard_reads_chat_messages() -> None:
    found = PiiGuard().check_request([{"role": "user", "content": "mail me: a.b@example.org"}])
    assert [d.label for d in found] == ["EMAIL_ADDRESS"]
