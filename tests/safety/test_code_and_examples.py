"""Ordinary words, code identifiers, eponyms and placeholders in everyday requests are not
redacted; the people, numbers and addresses next to them still are."""

from __future__ import annotations

import pytest

from modelsteward.safety import Role, SafetyLayer


@pytest.fixture(scope="module")
def layer() -> SafetyLayer:
    return SafetyLayer()


@pytest.mark.parametrize(
    "text",
    [
        'Print "Hello World" five times in Rust.',
        "Say hello to the World Bank.",
        "Write some Python code that reads a CSV file.",
        "Explain the Huffman coding algorithm.",
        "Is 153 an Armstrong number?",
        "Create a Java class named Invoice with a total field.",
        "Table name: Orders\nColumns: id, total",
        "Key1: Value1\nKey2: Value2",
        "Question1: what is a mutex?\nQuestion2: what is a semaphore?",
        "Translate the paragraph into French and German.",
        "Rank these universities: Harvard, Stanford, Princeton.",
        "Compare Islam and Hinduism in two sentences.",
        "Loop over 0 to 10 and print the square of each value.",
        "Find the area of a circle given its radius\n\n5",
        "There were 12 cases in the U.",
        "if (str.length() == 0) return;",
        "Insert the row: 101, 'Ann', '9999999999'",
        "The meeting takes place between August 21 and 23.",
        "Parse the getHTTPClient and RoMQA identifiers.",
        "Convert 300 Kelvin to Celsius.",
    ],
)
def test_not_redacted(layer: SafetyLayer, text: str) -> None:
    verdict = layer.check_text(text, Role.USER)
    assert verdict.redactions == (), [(d.label, text[d.start : d.end]) for d in verdict.redactions]


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        ("Hello Margaret, the invoice is attached.", "Margaret", "PERSON"),
        ("My name is Joaquim Berg.", "Joaquim Berg", "PERSON"),
        ("Ask Dr. Python about it.", "Python", "PERSON"),
        ("Name: Priya Raman\nRole: engineer", "Priya Raman", "PERSON"),
        ("Call me on 604-555-4895 tomorrow.", "604-555-4895", "PHONE_NUMBER"),
        ("Ship it to 412 Monterey Ave please.", "412 Monterey Ave", "STREET_ADDRESS"),
        ("Send it to Hauptstr. 5 in Berlin.", "Hauptstr. 5", "STREET_ADDRESS"),
    ],
)
def test_still_redacted(layer: SafetyLayer, text: str, value: str, label: str) -> None:
    verdict = layer.check_text(text, Role.USER)
    found = [(d.label, text[d.start : d.end]) for d in verdict.redactions]
    assert (label, value) in found, found
    assert verdict.rule_ids == ("safety.guard.pii",)


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        ("Ines Varga\nNorthwind Traders\n4411 Kiskörút 12\n", "Ines Varga", "PERSON"),
        ("We read the poems of Alice Goldberg's first book.", "Alice Goldberg", "PERSON"),
        ("Rue du centre 320\napt. 169\nbelgium 97466", "97466", "STREET_ADDRESS"),
    ],
)
def test_blocks_and_names_with_ordinary_surnames(
    layer: SafetyLayer, text: str, value: str, label: str
) -> None:
    verdict = layer.check_text(text, Role.USER)
    found = [(d.label, text[d.start : d.end]) for d in verdict.redactions]
    assert any(lab == label and value in v for lab, v in found), found
