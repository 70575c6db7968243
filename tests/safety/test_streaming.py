"""The stream moderator: bounded hold-back, checked-only release, clean stop."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.safety import SafetyLayer, SafetyPolicy, StreamModerator
from modelsteward.safety.policy import parse_safety_policy

LAYER = SafetyLayer(parse_safety_policy({"deny": [r"forbidden\s+phrase"]}))
TEXT = (
    "Here is the summary you asked for. The quarterly numbers look fine and the team is "
    "on track. Contact jane.doe@example.com for details. This is the forbidden phrase that "
    "must never leave. More text follows after it and should not be sent either."
)
CLEAN = (
    "Here is the summary you asked for. The quarterly numbers look fine and the team is "
    "on track for the release next month; nothing else to report today."
)


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


def _run(text: str, cuts: list[int], window: int = 128) -> tuple[str, bool, int]:
    moderator = StreamModerator(LAYER, window_chars=window, hold_chars=32, check_every=24)
    out = ""
    most_held = 0
    for chunk in _chunks(text, cuts):
        step = moderator.feed(chunk)
        out += step.text
        most_held = max(most_held, moderator.held)
        if step.stopped:
            return out, True, most_held
    final = moderator.finish()
    return out + final.text, final.stopped, most_held


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), max_size=40))
def test_violation_never_leaves_for_any_chunking(cuts: list[int]) -> None:
    out, stopped, _ = _run(TEXT, cuts)
    assert stopped
    assert "forbidden" not in out
    assert "jane.doe@example.com" not in out
    assert TEXT.startswith(out.replace("<EMAIL_ADDRESS>", "jane.doe@example.com"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), max_size=40))
def test_clean_stream_is_released_whole_and_in_order(cuts: list[int]) -> None:
    out, stopped, most_held = _run(CLEAN, cuts)
    assert not stopped
    assert out == CLEAN
    longest_chunk = max((len(c) for c in _chunks(CLEAN, cuts)), default=0)
    assert most_held <= 128 + longest_chunk


def test_stop_carries_the_verdict_and_later_feeds_release_nothing() -> None:
    moderator = StreamModerator(LAYER, window_chars=64, hold_chars=16, check_every=8)
    steps = [moderator.feed(w + " ") for w in TEXT.split()]
    stop = next(s for s in steps if s.stopped)
    assert stop.verdict is not None and stop.verdict.blocked
    assert "safety.policy.deny-list" in stop.verdict.rule_ids
    after = moderator.feed("more")
    assert after.text == "" and after.stopped and after.done


def test_harmful_output_stops_the_stream() -> None:
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    text = "Sure. Step 1: get ammonium nitrate. Step 2: build the pipe bomb detonator and"
    released = ""
    stopped = False
    for word in text.split():
        step = moderator.feed(word + " ")
        released += step.text
        stopped = stopped or step.stopped
    stopped = stopped or moderator.finish().stopped
    assert stopped
    assert "detonator" not in released


def test_strict_mode_holds_the_last_token_until_the_next_chunk() -> None:
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()), hold_last_token=True)
    first = moderator.feed(" tok0")
    assert first.text == ""  # the last token could still grow into something sensitive
    second = moderator.feed(" tok1")
    assert second.text == " tok0"


def test_first_plain_token_leaves_on_its_own_feed() -> None:
    # issue 8: the first token costs no token interval when it cannot grow into anything
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    assert moderator.feed(" tok0").text == " tok0"
    assert moderator.held == 0
    assert moderator.feed(" tok1").text == ""  # after the first words, every check_every chars


@pytest.mark.parametrize(
    ("first", "released"),
    [
        (" tok0", " tok0"),
        (" Hello", " Hello"),  # the name detector never starts a name with "Hello"
        ("Sure,", "Sure,"),
        (" the answer is", " the answer is"),
        (" John", ""),  # a capitalised word may be the start of a name
        (" Once", ""),
    ],
)
def test_first_token_under_the_default_policy(first: str, released: str) -> None:
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    assert moderator.feed(first).text == released


def test_capitalised_words_leave_when_the_role_does_not_redact_pii() -> None:
    policy = parse_safety_policy({"roles": {"assistant": {"skip": ["pii"]}}})
    moderator = StreamModerator(SafetyLayer(policy))
    assert moderator.feed(" John").text == " John"


@pytest.mark.parametrize(
    "token",
    [
        "4111",  # card, phone, id
        "+44",
        "(555",
        "DE89",  # IBAN start
        "de89",
        "fe80",  # IPv6
        "john@",  # e-mail
        "jane.doe",
        "https:",  # URL
        "http",  # prefix of a basic-auth URL's scheme
        "postgres",  # connection string
        "sk-",  # secret prefixes read off the secrets guard
        "sk",
        "AKIA",
        "AKIAIOSFODNN7",
        "ghp_",
        "gh",
        "xox",
        "eyJ",
        "-----",
        "-----BEGIN",
        "key=abc",
        "Xk9qLm2Pz8Rw",  # long, mixed classes: a generic key
        '"quoted',
    ],
)
def test_a_last_token_that_could_grow_into_something_sensitive_is_held(token: str) -> None:
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    step = moderator.feed("the value is " + token)
    assert step.text == "the value is"
    assert moderator.held == len(token) + 1


def test_a_value_after_a_key_separator_is_held() -> None:
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    assert moderator.feed("the password: Xk9").text == "the password:"


def test_a_split_access_key_never_leaves_unredacted() -> None:
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    out = ""
    for chunk in ["Use", " AKIA", "IOSFODNN7EXAMPLE", " to sign", " in."]:
        out += moderator.feed(chunk).text
    out += moderator.finish().text
    assert out == "Use <AWS_ACCESS_KEY> to sign in."


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=80), max_size=30))
def test_a_secret_split_anywhere_never_leaks_in_part(cuts: list[int]) -> None:
    text = (
        "Use AKIAIOSFODNN7EXAMPLE and sk-proj-"
        + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f"
        + " now."
    )
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    out = ""
    for chunk in _chunks(text, cuts):
        out += moderator.feed(chunk).text
    out += moderator.finish().text
    assert out == "Use <AWS_ACCESS_KEY> and <OPENAI_API_KEY> now."


def test_a_span_that_began_in_released_text_has_its_rest_replaced() -> None:
    # The plain word "jane" left before the next chunk glued it into an address: exactly
    # that word leaves, the rest of the address is replaced (the documented trade-off).
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    first = moderator.feed("the contact is jane")
    assert first.text == "the contact is jane"
    rest = moderator.feed(".doe@example.com today").text + moderator.finish().text
    assert rest == "<EMAIL_ADDRESS> today"

    strict = StreamModerator(SafetyLayer(SafetyPolicy.default()), hold_last_token=True)
    out = strict.feed("the contact is jane").text
    out += strict.feed(".doe@example.com today").text + strict.finish().text
    assert out == "the contact is <EMAIL_ADDRESS> today"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=80), max_size=30))
def test_what_leaves_of_a_split_address_is_at_most_its_first_plain_word(cuts: list[int]) -> None:
    address = "jane.doe@example.com"
    text = f"Sure, send it to {address} and wait for the answer."
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    out = ""
    for chunk in _chunks(text, cuts):
        out += moderator.feed(chunk).text
    out += moderator.finish().text
    assert out.count("<EMAIL_ADDRESS>") == 1 and "doe" not in out
    # at most "jane." (or a piece of it) left before the rest of the address arrived
    assert any(text == out.replace("<EMAIL_ADDRESS>", address[k:]) for k in range(6))


def test_a_blocking_phrase_split_across_chunks_stops_before_any_of_it_leaves() -> None:
    moderator = StreamModerator(LAYER, check_every=8)
    released = ""
    stopped = False
    for chunk in [" we", " must", " not", " say", " the", " forbid", "den", " phr", "ase", " x"]:
        step = moderator.feed(chunk)
        released += step.text
        if step.stopped:
            stopped = True
            break
    assert stopped  # caught by a check before the stream ended
    assert "forbid" not in released
    assert released == " we must not"  # the deny-list hold: 16 characters, whole words


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=120), max_size=30))
def test_a_card_number_split_across_chunks_never_leaks_in_part(cuts: list[int]) -> None:
    text = "Sure, the card on file is 4111 1111 1111 1111 and it expires soon. Anything else?"
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    out = ""
    for chunk in _chunks(text, cuts):
        out += moderator.feed(chunk).text
    out += moderator.finish().text
    assert "4111" not in out and "1111" not in out
    assert "<CREDIT_CARD>" in out


def test_hold_never_exceeds_hold_chars_after_a_check() -> None:
    moderator = StreamModerator(LAYER, window_chars=256, hold_chars=16, check_every=8)
    digits = " ".join(["12345"] * 20)  # one long digit-group run, nothing sensitive
    for word in digits.split(" "):
        moderator.feed(word + " ")
    assert moderator.held <= 16 + 8 + 6


def test_deny_phrase_hold_comes_from_the_patterns() -> None:
    moderator = StreamModerator(LAYER, window_chars=128, hold_chars=32, check_every=4)
    released = ""
    words = ["we", "must", "not", "say", "the", "forbidden", "phrase", "here", "at", "all"]
    for word in words:
        step = moderator.feed(word + " ")
        released += step.text
        if step.stopped:
            break
    assert "forbidden" not in released
