"""The I/O-free SSE parser and chunk helpers."""

from __future__ import annotations

import itertools

import orjson
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.gateway.streaming import (
    SseParser,
    StreamTally,
    chunk_text,
    encode_event,
    error_event,
    is_usage_only,
    set_chunk_text,
)

EVENTS = [{"choices": [{"delta": {"content": f"t{i}"}}]} for i in range(5)]
STREAM = b"".join(encode_event(e) for e in EVENTS) + b": keep-alive\n\ndata: [DONE]\n\n"


@given(st.lists(st.integers(min_value=1, max_value=len(STREAM) - 1), max_size=20))
def test_events_survive_any_split(cuts: list[int]) -> None:
    parser = SseParser()
    out: list[bytes] = []
    bounds = [0, *sorted(set(cuts)), len(STREAM)]
    for start, end in itertools.pairwise(bounds):
        out += parser.feed(STREAM[start:end])
    out += parser.close()
    assert out == [orjson.dumps(e) for e in EVENTS] + [b"[DONE]"]


def test_crlf_multiline_data_and_unterminated_tail() -> None:
    parser = SseParser()
    events = parser.feed(b"event: x\r\ndata: a\r\ndata: b\r\n\r\ndata:c")
    assert events == [b"a\nb"]
    assert parser.close() == [b"c"]


def test_chunk_helpers_for_chat_and_completion() -> None:
    chat = {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}
    text = {"choices": [{"index": 0, "text": "yo", "finish_reason": "stop"}]}
    assert chunk_text(chat) == "hi" and chunk_text(text) == "yo"
    set_chunk_text(chat, "HI")
    set_chunk_text(text, "YO")
    assert chunk_text(chat) == "HI" and chunk_text(text) == "YO"
    assert chunk_text({"choices": []}) == "" and chunk_text({"choices": "x"}) == ""
    tally = StreamTally()
    for chunk in (chat, text, {"choices": [], "usage": {"prompt_tokens": 1}}):
        tally.observe(chunk)
    assert tally.text == "HIYO" and tally.finish_reason == "stop"
    assert tally.usage == {"prompt_tokens": 1}
    assert is_usage_only({"choices": [], "usage": {}}) and not is_usage_only(chat)


def test_error_event_is_openai_shaped() -> None:
    event = error_event("stopped", code="content_blocked")
    assert event.startswith(b"data: ") and event.endswith(b"\n\n")
    assert orjson.loads(event[6:])["error"]["code"] == "content_blocked"
