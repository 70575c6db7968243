"""Request limits and surfaces at unit level: body size, media type, prompt sizes, the guard
time budget off the event loop, the model on every audit record, /metrics and /readyz."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from modelsteward.gateway.state import Options
from tests.gateway.conftest import FakeLayer, ListAudit, gateway_client, make_config

pytestmark = pytest.mark.anyio
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
MODEL = {"name": "m", "engine": "openai", "urls": ["http://a.test/v1"], "safety": "off"}
ANSWER = orjson.dumps(
    {"id": "x", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant",
     "content": "ok"}, "finish_reason": "stop"}],
     "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
)  # fmt: skip


def _options(**extra: Any) -> Options:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})

    return Options(client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **extra)


def _error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    assert set(body) >= {"message", "type", "code"}
    return body


async def test_a_body_over_the_limit_is_refused_from_its_declared_length() -> None:
    audit = ListAudit()
    config = make_config([MODEL], limits={"max_body_bytes": 2048})
    async with gateway_client(config, _options(audit=audit)) as client:
        big = {**CHAT, "messages": [{"role": "user", "content": "x" * 5000}]}
        response = await client.post("/v1/chat/completions", json=big)
        ok = await client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 413
    assert _error(response)["code"] == "request_too_large"
    assert response.headers["connection"] == "close"
    assert ok.status_code == 200
    assert [r.status for r in audit.records] == [413, 200]


async def test_a_chunked_body_is_cut_off_at_the_limit_without_reading_the_rest() -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"model": "m", "messages": [{"role": "user", "content": "'
        for _ in range(10_000):  # 10 MB if it were all read
            sent += 1024
            yield b"x" * 1024

    config = make_config([MODEL], limits={"max_body_bytes": 64 * 1024})
    async with gateway_client(config, _options()) as client:
        response = await client.post(
            "/v1/chat/completions", content=endless(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert _error(response)["code"] == "request_too_large"
    assert sent < 200 * 1024


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_only_json_bodies_are_accepted(media: str) -> None:
    async with gateway_client(make_config([MODEL]), _options()) as client:
        headers = {"content-type": media} if media else {}
        response = await client.post(
            "/v1/chat/completions", content=orjson.dumps(CHAT), headers=headers
        )
        charset = await client.post(
            "/v1/chat/completions",
            content=orjson.dumps(CHAT),
            headers={"content-type": "Application/JSON; charset=utf-8"},
        )
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"
    assert charset.status_code == 200


async def test_message_and_prompt_sizes_are_limited() -> None:
    audit = ListAudit()
    config = make_config([MODEL], limits={"max_message_chars": 1000, "max_prompt_chars": 2500})
    one_long = {**CHAT, "messages": [{"role": "user", "content": "a" * 1001}]}
    many = {**CHAT, "messages": [{"role": "user", "content": "a" * 900}] * 3}
    parts = {**CHAT, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "b" * 600}, {"type": "text", "text": "c" * 600}]}]}  # fmt: skip
    async with gateway_client(config, _options(audit=audit)) as client:
        long_r = await client.post("/v1/chat/completions", json=one_long)
        many_r = await client.post("/v1/chat/completions", json=many)
        parts_r = await client.post("/v1/chat/completions", json=parts)
        fits = await client.post(
            "/v1/chat/completions", json={**CHAT, "messages": many["messages"][:2]}
        )
    assert long_r.status_code == 400 and _error(long_r)["code"] == "prompt_too_large"
    assert "message 0 has 1001 characters" in _error(long_r)["message"]
    assert many_r.status_code == 400 and "2700 characters in all" in _error(many_r)["message"]
    assert parts_r.status_code == 400 and _error(parts_r)["code"] == "prompt_too_large"
    assert fits.status_code == 200
    assert [(r.status, r.model) for r in audit.records] == [
        (400, "m"), (400, "m"), (400, "m"), (200, "m")
    ]  # fmt: skip


class SlowLayer(FakeLayer):
    """A layer whose checks of long texts take ``delay_s`` of CPU-free waiting."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.threads: set[str] = set()

    def check_messages(self, messages: list[dict[str, str]]) -> Any:
        self.threads.add(threading.current_thread().name)
        if sum(len(m["content"]) for m in messages) > 10_000:
            time.sleep(self.delay_s)
        return super().check_messages(messages)


async def test_long_guard_checks_run_off_the_event_loop_within_a_budget() -> None:
    layer = SlowLayer(delay_s=1.5)
    audit = ListAudit()
    guarded_model = {**MODEL, "safety": "input"}
    config = make_config([guarded_model], limits={"guard_budget_s": 0.5})
    async with gateway_client(config, _options(safety=layer, audit=audit)) as client:
        slow = asyncio.create_task(
            client.post(
                "/v1/chat/completions",
                json={**CHAT, "messages": [{"role": "user", "content": "y" * 20_000}]},
            )
        )
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        health = await client.get("/healthz")
        health_ms = (time.perf_counter() - started) * 1000
        short = await client.post("/v1/chat/completions", json=CHAT)
        response = await slow
    # A blocked event loop would answer after the 1.5 s check; the 50 ms goal is measured
    # on an idle machine, not asserted here (shared CI machines are noisy).
    assert health.status_code == 200 and health_ms < 1000
    assert short.status_code == 200
    assert response.status_code == 503
    assert _error(response)["code"] == "safety_timeout"
    assert any(name.startswith("modelsteward-guard") for name in layer.threads)
    assert {r.status for r in audit.records} == {200, 503}
    assert all(r.model == "m" for r in audit.records)


async def test_403_and_429_records_name_the_model() -> None:
    audit = ListAudit()
    keys = [{"name": "team", "sha256": __import__("hashlib").sha256(b"sk-test-gateway")
             .hexdigest(), "models": ["m"], "rpm": 1}]  # fmt: skip
    other = {**MODEL, "name": "other"}
    async with gateway_client(make_config([MODEL, other], keys=keys), _options(audit=audit)) as c:
        first = await c.post("/v1/chat/completions", json=CHAT)
        limited = await c.post("/v1/chat/completions", json=CHAT)
        forbidden = await c.post("/v1/chat/completions", json={**CHAT, "model": "other"})
    assert (first.status_code, limited.status_code, forbidden.status_code) == (200, 429, 403)
    assert [(r.status, r.model) for r in audit.records] == [(200, "m"), (429, "m"), (403, "other")]


async def test_metrics_need_a_key_unless_configured_open() -> None:
    async with gateway_client(make_config([MODEL]), _options()) as client:
        anonymous = await client.get("/metrics", headers={"authorization": ""})
        keyed = await client.get("/metrics")
    async with gateway_client(make_config([MODEL], metrics={"require_key": False})) as client:
        open_ = await client.get("/metrics", headers={"authorization": ""})
    assert anonymous.status_code == 401 and _error(anonymous)["code"] == "invalid_api_key"
    assert keyed.status_code == 200 and b"modelsteward_requests" in keyed.content
    assert open_.status_code == 200


async def test_readyz_without_a_key_tells_only_the_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": []})

    client_opts = Options(client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    async with gateway_client(make_config([MODEL]), client_opts) as client:
        anonymous = await client.get("/readyz", headers={"authorization": ""})
        keyed = await client.get("/readyz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ready"}
    assert keyed.json()["models"]["m"]["reachable"] is True
