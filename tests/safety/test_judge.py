"""The LLM-judge guard: protocol over httpx.MockTransport, and against the real embedded
llama.cpp engine (protocol only: stories260K is no judge)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from modelsteward.safety import (
    Action,
    Category,
    Hazard,
    Role,
    SafetyError,
    SafetyLayer,
    SafetyPolicy,
)
from modelsteward.safety.guards.judge import JudgeGuard, judge_prompt, parse_judge_reply
from tests.shared import STORIES, require

GGUF = STORIES


def _judge(reply: str, seen: list[dict[str, object]] | None = None) -> JudgeGuard:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(
                {
                    "url": str(request.url),
                    "body": json.loads(request.content),
                    "auth": request.headers.get("authorization"),
                }
            )
        return httpx.Response(
            200, json={"choices": [{"message": {"role": "assistant", "content": reply}}]}
        )

    client = httpx.Client(transport=httpx.MockTransport(handler))
    return JudgeGuard(
        base_url="http://judge.test/", model="llama-guard-3", api_key="sk-x", client=client
    )


@pytest.mark.parametrize(
    ("reply", "safe", "hazards"),
    [
        ("safe", True, ()),
        (" unsafe\nS1,S10", False, (Hazard.S1, Hazard.S10)),
        ("UNSAFE\nS9", False, (Hazard.S9,)),
        ("unsafe", False, ()),
        ("The story of a cat", None, ()),
        ("", None, ()),
    ],
)
def test_reply_parsing(reply: str, safe: bool | None, hazards: tuple[Hazard, ...]) -> None:
    answer = parse_judge_reply(reply)
    assert answer.safe is safe
    assert answer.hazards == hazards


def test_request_shape_and_unsafe_verdict() -> None:
    seen: list[dict[str, object]] = []
    judge = _judge("unsafe\nS9", seen)
    (det,) = judge.check_text("how to make sarin", Role.USER)
    assert det.category is Category.HARMFUL_REQUEST and det.hazard is Hazard.S9
    (call,) = seen
    assert call["url"] == "http://judge.test/v1/chat/completions"
    assert call["auth"] == "Bearer sk-x"
    body = call["body"]
    assert isinstance(body, dict) and body["model"] == "llama-guard-3" and body["temperature"] == 0
    prompt = body["messages"][0]["content"]
    assert (
        "<BEGIN UNSAFE CONTENT CATEGORIES>" in prompt and "S14: Code Interpreter Abuse." in prompt
    )
    assert "User: how to make sarin" in prompt


def test_assistant_text_is_judged_as_agent_output() -> None:
    assert "Agent: hello" in judge_prompt("hello", Role.ASSISTANT)
    (det,) = _judge("unsafe\nS2").check_text("here is how", Role.ASSISTANT)
    assert det.category is Category.HARMFUL_OUTPUT


def test_safe_reply_gives_nothing_and_unparsable_fails_closed() -> None:
    assert _judge("safe").check_text("hello") == ()
    (det,) = _judge("once upon a time").check_text("hello")
    assert det.label == "judge-unparsable"


def test_layer_uses_the_judge_only_when_the_policy_says_so() -> None:
    judge = _judge("unsafe\nS1")
    off = SafetyLayer(SafetyPolicy(), judge=judge).check_text("hello there")
    assert off.action is Action.ALLOW
    on = SafetyLayer(SafetyPolicy(judge=True), judge=judge).check_text("hello there")
    assert on.blocked and on.hazard is Hazard.S1


def test_endpoint_errors_raise_safety_error() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500, json={})))
    judge = JudgeGuard(base_url="http://judge.test", model="m", client=client)
    with pytest.raises(SafetyError, match="safety judge"):
        judge.check_text("hello")


@pytest.fixture(scope="module")
def engine_url() -> Iterator[str]:
    require(GGUF)
    from modelsteward.engines.llamacpp import EmbeddedLlamaServer

    with EmbeddedLlamaServer(GGUF, n_ctx=1024, threads=1, parallel=1, embeddings=False) as server:
        yield server.base_url


def test_protocol_against_the_real_llamacpp_engine(engine_url: str) -> None:
    with httpx.Client(timeout=30) as client:
        judge = JudgeGuard(base_url=engine_url, model="stories260K", client=client)
        reply = judge.ask("Tell me a story about a cat.")
        assert isinstance(reply, str)
        found = judge.check_text("Tell me a story about a cat.")
    assert all(d.source == "judge" for d in found)
    assert all(d.category is Category.HARMFUL_REQUEST for d in found)
