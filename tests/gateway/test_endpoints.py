"""The generation endpoints' own HTTP handling: bodies in pieces, untouched engine bytes,
and the framework's answers for anything the fast dispatch does not take."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from modelsteward.gateway.state import Options
from tests.gateway.conftest import gateway_client, make_config

pytestmark = pytest.mark.anyio
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
MODEL = {"name": "m", "engine": "openai", "urls": ["http://a.test/v1"], "safety": "off"}
# Unusual spacing and key order: re-serialising would change these bytes.
ENGINE_ANSWER = (
    b'{ "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},'
    b' "model": "m", "choices": [{"index": 0, "message": {"role": "assistant",'
    b' "content": "caf\\u00e9"}, "finish_reason": "stop"}], "id": "x" }'
)


def _options(answer: bytes) -> Options:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answer, headers={"content-type": "application/json"})

    return Options(client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))


async def test_an_answer_that_needs_no_change_keeps_the_engines_bytes() -> None:
    renamed = ENGINE_ANSWER.replace(b'"model": "m"', b'"model": "engine-name"')
    async with gateway_client(make_config([MODEL]), _options(ENGINE_ANSWER)) as client:
        same = await client.post("/v1/chat/completions", json=CHAT)
    async with gateway_client(make_config([MODEL]), _options(renamed)) as client:
        changed = await client.post("/v1/chat/completions", json=CHAT)
    assert same.status_code == 200 and same.content == ENGINE_ANSWER
    assert same.headers["content-length"] == str(len(ENGINE_ANSWER))
    assert changed.status_code == 200 and changed.content != renamed
    assert changed.json()["model"] == "m"
    assert changed.json()["choices"] == orjson.loads(renamed)["choices"]


async def test_a_request_body_sent_in_pieces_is_read_whole() -> None:
    raw = orjson.dumps(CHAT)

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(raw), 7):
            yield raw[i : i + 7]

    async with gateway_client(make_config([MODEL]), _options(ENGINE_ANSWER)) as client:
        response = await client.post(
            "/v1/chat/completions", content=pieces(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 200 and response.json()["id"] == "x"


async def test_other_methods_on_generation_paths_get_openai_shaped_errors() -> None:
    async with gateway_client(make_config([MODEL]), _options(ENGINE_ANSWER)) as client:
        get = await client.get("/v1/chat/completions")
        unknown = await client.post("/v1/chat/completions/extra", json=CHAT)
    assert get.status_code == 405 and get.json()["error"]["code"] == "http_error"
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
