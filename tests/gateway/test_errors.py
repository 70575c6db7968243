"""Error semantics with a mocked upstream (``httpx.MockTransport``): OpenAI-shaped bodies,
fail-over only before any byte was sent, mid-stream failures, malformed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest

from modelsteward.gateway.state import Options
from tests.gateway.conftest import (
    FakeLayer,
    FakeModerator,
    ListAudit,
    RefuseForTest,
    gateway_client,
    make_config,
)

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], Any]
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def _model(**extra: Any) -> dict[str, Any]:
    base = {"name": "m", "engine": "openai", "urls": ["http://a.test/v1", "http://b.test/v1"],
            "safety": "off", "timeout_s": 2}  # fmt: skip
    return {**base, **extra}


def _answer(content: str = "hello there") -> dict[str, Any]:
    return {
        "id": "x", "object": "chat.completion", "model": "engine-name",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }  # fmt: skip


def _sse(*events: Any, done: bool = True) -> bytes:
    out = b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events)
    return out + (b"data: [DONE]\n\n" if done else b"")


def _delta(text: str, finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "model": "engine-name",
        "choices": [choice],
    }


class _Broken(httpx.AsyncByteStream):
    """Sends some events, then the connection dies."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        raise httpx.ReadError("connection reset")


def _options(handler: Handler, **kw: Any) -> Options:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Options(client=client, **kw)


async def test_connect_error_fails_over_to_the_other_replica() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "a.test":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=_answer())

    async with gateway_client(make_config([_model()]), _options(handler)) as client:
        for _ in range(3):
            response = await client.post("/v1/chat/completions", json=CHAT)
            assert response.status_code == 200
            assert response.json()["model"] == "m"
    assert hosts.count("a.test") == 1  # taken out of rotation after refusing


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (httpx.ReadTimeout("slow"), 504, "engine_timeout"),
        (httpx.RemoteProtocolError("bad"), 502, "engine_error"),
        (httpx.Response(500, json={"error": {"message": "boom"}}), 502, "engine_error"),
        (httpx.Response(400, json={"error": {"message": "bad param"}}), 400, "engine_rejected"),
        (httpx.Response(200, content=b"not json"), 502, "engine_error"),
    ],
)
async def test_engine_failures_are_not_retried_and_map_to_openai_errors(
    failure: Any, status: int, code: str
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        if isinstance(failure, Exception):
            raise failure
        return failure  # type: ignore[no-any-return]

    async with gateway_client(make_config([_model()]), _options(handler)) as client:
        response = await client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert len(calls) == 1


async def test_all_replicas_down_is_502() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with gateway_client(make_config([_model()]), _options(handler)) as client:
        response = await client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 502
    assert "cannot connect" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("stream", "needle"),
    [
        (_Broken(_sse(_delta("Hel"), done=False)), "engine failed mid-stream"),
        (httpx.ByteStream(_sse(_delta("Hel"), done=False)), "ended the stream early"),
        (httpx.ByteStream(b'data: {"error": {"message": "oom"}}\n\n'), "reported an error"),
        (httpx.ByteStream(b"data: {nope\n\n"), "unreadable event"),
    ],
)
async def test_mid_stream_failures_end_with_an_error_event(
    stream: httpx.AsyncByteStream, needle: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=stream, headers={"content-type": "text/event-stream"})

    async with gateway_client(make_config([_model()]), _options(handler)) as client:
        response = await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    events = [e for e in response.text.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    error = orjson.loads(events[-2].removeprefix("data: "))["error"]
    assert needle in error["message"]


async def test_unknown_fields_pass_through_and_model_is_renamed() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(orjson.loads(request.content))
        return httpx.Response(200, json=_answer())

    config = make_config([_model(upstream_model="org/real-name")])
    async with gateway_client(config, _options(handler)) as client:
        body = {**CHAT, "top_k": 7, "mirostat": 2, "vendor_extension": {"a": [1]}}
        assert (await client.post("/v1/chat/completions", json=body)).status_code == 200
    assert seen[0]["model"] == "org/real-name"
    assert seen[0]["top_k"] == 7 and seen[0]["vendor_extension"] == {"a": [1]}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe\x00",
        orjson.dumps({"messages": [{"role": "user", "content": "x"}]}),
        orjson.dumps({"model": "m"}),
        orjson.dumps({"model": "m", "messages": []}),
        orjson.dumps({"model": "m", "messages": "hello"}),
        orjson.dumps({"model": "m", "messages": [{"content": "no role"}]}),
        orjson.dumps({"model": "m", "messages": [{"role": "user", "content": 5}]}),
        orjson.dumps({**CHAT, "stream": "sometimes"}),
        orjson.dumps({**CHAT, "max_tokens": -1}),
        orjson.dumps({**CHAT, "model": 12}),
        orjson.dumps({**CHAT, "stream_options": "yes"}),
    ],
)
async def test_malformed_requests_are_400_never_500(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a malformed request reached the engine")

    async with gateway_client(make_config([_model()]), _options(handler)) as client:
        response = await client.post(
            "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


async def test_malformed_completion_and_embedding_requests_are_400() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a malformed request reached the engine")

    async with gateway_client(make_config([_model()]), _options(handler)) as client:
        bad_prompt = await client.post("/v1/completions", json={"model": "m", "prompt": 3})
        bad_input = await client.post("/v1/embeddings", json={"model": "m", "input": {"a": 1}})
        unknown_route = await client.post("/v1/nothing", json={})
    assert bad_prompt.status_code == bad_input.status_code == 400
    assert unknown_route.status_code == 404
    assert "error" in unknown_route.json()


async def test_auth_allowlist_unknown_model_and_approval() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_answer())

    keys = [
        {"name": "team", "sha256": __import__("hashlib").sha256(b"sk-test-gateway").hexdigest(),
         "models": ["m"]},
    ]  # fmt: skip
    config = make_config([_model(), _model(name="other")], keys=keys)
    async with gateway_client(config, _options(handler)) as client:
        nokey = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": ""})
        badkey = await client.post(
            "/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-wrong"}
        )
        denied = await client.post("/v1/chat/completions", json={**CHAT, "model": "other"})
        missing = await client.post("/v1/chat/completions", json={**CHAT, "model": "ghost"})
        listed = await client.get("/v1/models")
    assert (nokey.status_code, badkey.status_code) == (401, 401)
    assert nokey.json()["error"]["code"] == "invalid_api_key"
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "model_not_allowed"
    assert missing.status_code == 404
    assert [m["id"] for m in listed.json()["data"]] == ["m"]

    refused = _options(handler, approver=RefuseForTest())
    async with gateway_client(make_config([_model()]), refused) as client:
        response = await client.post("/v1/chat/completions", json=CHAT)
        ready = await client.get("/readyz")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "model_not_approved"
    assert "no approval for these file hashes" in response.json()["error"]["message"]
    assert ready.status_code == 503


async def test_answer_blocked_by_output_guard() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_answer("here is the FORBIDDEN recipe"))

    options = _options(handler, safety=FakeLayer(), moderator=FakeModerator)
    async with gateway_client(make_config([_model(safety="default")]), options) as client:
        response = await client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "content_blocked"
    assert error["rule_ids"] == ["safety.guard.harmful-output"]
    assert "FORBIDDEN" not in response.text


async def test_no_unchecked_streamed_text_reaches_the_client() -> None:
    pieces = ["Sure, ", "the ", "answer ", "is ", "FORB", "IDDEN", " stuff", "."]
    body = _sse(*[_delta(p) for p in pieces], _delta("", "stop"))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    audit = ListAudit()
    options = _options(
        handler, safety=FakeLayer(), moderator=FakeModerator, window_chars=8, audit=audit
    )
    async with gateway_client(make_config([_model(safety="default")]), options) as client:
        response = await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    events = [e.removeprefix("data: ") for e in response.text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    error = orjson.loads(events[-2])["error"]
    assert error["code"] == "content_blocked"
    sent = "".join(
        c["choices"][0]["delta"].get("content") or ""
        for c in map(orjson.loads, events[:-2])
        if c.get("choices")
    )
    assert "FORB" not in sent
    assert audit.records[-1].decisions[-1]["rule_ids"] == ["safety.guard.harmful-output"]
    assert audit.records[-1].status == 400


async def test_clean_stream_is_released_in_full_after_moderation() -> None:
    pieces = ["Once ", "upon ", "a ", "time ", "there ", "was ", "a ", "cat."]
    body = _sse(*[_delta(p) for p in pieces], _delta("", "stop"))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tokenize":
            text = orjson.loads(request.content)["content"]
            return httpx.Response(200, json={"tokens": list(range(len(text.split())))})
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    audit = ListAudit()
    options = _options(
        handler, safety=FakeLayer(), moderator=FakeModerator, window_chars=8, audit=audit
    )
    request = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    async with gateway_client(make_config([_model(safety="default")]), options) as client:
        response = await client.post("/v1/chat/completions", json=request)
    chunks = [orjson.loads(e[6:]) for e in response.text.split("\n\n") if e and "[DONE]" not in e]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "".join(pieces)
    assert chunks[-1]["usage"] == {"prompt_tokens": 1, "completion_tokens": 8, "total_tokens": 9}
    assert audit.records[-1].usage_source == "tokenizer"
