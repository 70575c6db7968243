"""Person names and addresses from the shipped lexicon and context, without an NER model.

The sentences are written here; none comes from the benchmark's evaluation sample.
"""

from __future__ import annotations

import time
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.safety.guards.lexicon import fingerprint, lexicon, ngram_buckets
from modelsteward.safety.guards.pii import _resolve, find_pii
from modelsteward.safety.interface import Category, Detection


def _spans(text: str, label: str) -> list[str]:
    return [text[d.start : d.end] for d in find_pii(text) if d.label == label]


def test_lexicon_tables_are_fingerprints_of_lowercased_words() -> None:
    lex = lexicon()
    assert fingerprint("Olga") == zlib.crc32(b"olga")
    assert fingerprint("olga") in lex.given
    assert fingerprint("kowalski") in lex.surname
    assert fingerprint("table") in lex.common
    assert fingerprint("table") not in lex.given
    assert fingerprint("canada") in lex.place
    assert all(0 <= b < (1 << 17) for b in ngram_buckets("Szczepańska"))


def test_word_model_tells_surnames_from_words() -> None:
    model = lexicon().word_model
    for surname in ("wiśniewska", "gunnarsdóttir", "korhonen", "ivanova"):
        assert model(surname) > 0.5, surname
    for word in ("furniture", "dishwasher", "government", "computation"):
        assert model(word) < 0.5, word


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Yesterday Ingrid Sørensen signed the lease.", "Ingrid Sørensen"),
        ("The report was written by Wojciech Zawadzki last spring.", "Wojciech Zawadzki"),
        ("Nowakowska said the build failed again.", "Nowakowska"),
        ("Olga: are you there?", "Olga"),
        ("Thanks for the update, Priyanka!", "Priyanka"),
        ("Ask Dr. Halvorsen about the results", "Halvorsen"),
        ("Please add Joaquim van der Berg to the thread", "Joaquim van der Berg"),
        ("my name is ingrid sørensen and i lost my card", "ingrid sørensen"),
        ("Regards, Aurelio Bianchi PhD", "Aurelio Bianchi PhD"),
    ],
)
def test_names_in_context(text: str, name: str) -> None:
    assert name in _spans(text, "PERSON")


def test_a_list_of_names_is_found_item_by_item() -> None:
    text = "Invited: Tomasz, Agnieszka, Dorota and Priya."
    assert _spans(text, "PERSON") == ["Tomasz", "Agnieszka", "Dorota", "Priya"]


@pytest.mark.parametrize(
    "text",
    [
        "The Quick Brown Fox jumps over the lazy dog.",
        "I work for Baker Hughes in the finance team.",
        "She spent a year at Skadden, Arps and Meagher before law school.",
        "France was lovely in the spring.",
        "We returned to Dolores by train.",
        "Name: not given\nPhone: unknown",
        "The Czech Border Force have closed the crossing.",
        "Guilty Pleasures is a song by the band.",
        "The library opened a new Reading Room on Monday.",
    ],
)
def test_no_person_in_ordinary_capitalised_text(text: str) -> None:
    assert _spans(text, "PERSON") == []


def test_street_named_after_a_person_is_an_address_not_a_name() -> None:
    text = "Deliver to 18 Avenida Pedro Ulisses 210, Castanhal"
    assert _spans(text, "PERSON") == []
    assert _spans(text, "STREET_ADDRESS")


def test_postal_block_parts_are_one_address_and_the_postcode_line_counts() -> None:
    text = "Hedda Lund\n50345 Wingertweg 126\n Suite 408\n Ependes\n Switzerland 82590"
    addresses = _spans(text, "STREET_ADDRESS")
    assert "50345 Wingertweg 126\n Suite 408" in addresses
    assert "82590" in addresses
    assert _spans(text, "PHONE_NUMBER") == []


def test_street_corner_and_house_number_before_phone() -> None:
    text = "Meet me at the corner of Storgata 12 and Elm Court"
    assert _spans(text, "STREET_ADDRESS") == ["Storgata 12 and Elm Court"]
    text = "Our office is at 6556 106 Rue Bonaparte Apt. 409"
    assert _spans(text, "PHONE_NUMBER") == []
    assert _spans(text, "STREET_ADDRESS") == ["6556 106 Rue Bonaparte Apt. 409"]


def test_a_title_with_dr_is_not_a_street() -> None:
    text = "Dr. Halvorsen is a 53 year old surgeon."
    assert _spans(text, "STREET_ADDRESS") == []
    assert _spans(text, "PERSON") == ["Halvorsen"]


def _naive_resolve(found: list[Detection]) -> tuple[Detection, ...]:
    kept: list[Detection] = []
    for det in sorted(found, key=lambda d: (-d.score, -(d.end - d.start), d.start)):
        if all(det.end <= k.start or det.start >= k.end for k in kept):
            kept.append(det)
    return tuple(sorted(kept, key=lambda d: d.start))


@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(1, 12), st.sampled_from([0.55, 0.7, 0.9])),
        max_size=40,
    )
)
def test_resolve_keeps_what_the_pairwise_rule_keeps(spans: list[tuple[int, int, float]]) -> None:
    found = [
        Detection(category=Category.PII, score=score, start=start, end=start + length, label="X")
        for start, length, score in spans
    ]
    assert _resolve(found) == _naive_resolve(found)


@pytest.mark.parametrize(
    "text",
    [
        "Aa, " * 40_000,  # a list that never ends in "and"
        "Anna, Bo and " * 10_000,  # thousands of overlapping candidates
        "Mr. Anna van " * 10_000,
    ],
)
def test_hostile_lists_finish_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    find_pii(text)
    assert time.perf_counter() - started < 10
