"""The stream moderator: bounded hold-back, checked-only release, clean stop."""

from __future__ import annotations

import itertools

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


def test_first_words_leave_after_one_more_chunk() -> None:
    moderator = StreamModerator(SafetyLayer(SafetyPolicy.default()))
    first = moderator.feed("Once")
    assert first.text == ""  # the last token could still grow into something sensitive
    second = moderator.feed(" upon")
    assert second.text == "Once"


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
