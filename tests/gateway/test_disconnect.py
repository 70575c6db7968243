"""Through a real uvicorn server: a client that goes away cancels the engine request, and a
stalled engine ends the stream with an error event instead of hanging."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from modelsteward.config import load_settings
from modelsteward.engines.llamacpp import free_port
from modelsteward.gateway.app import create_app
from modelsteward.gateway.config import GatewayConfig
from modelsteward.gateway.state import Options
from tests.gateway.conftest import KEY, ApproveForTest, make_config

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


class _Endless(httpx.AsyncByteStream):
    """An engine that keeps producing tokens until its connection is closed."""

    def __init__(self, closed: threading.Event, delay_s: float, stall_after: int | None) -> None:
        self.closed = closed
        self.delay_s = delay_s
        self.stall_after = stall_after

    async def __aiter__(self) -> AsyncIterator[bytes]:
        i = 0
        try:
            while True:
                chunk = {"choices": [{"index": 0, "delta": {"content": f"t{i} "}}]}
                yield b"data: " + orjson.dumps(chunk) + b"\n\n"
                i += 1
                if self.stall_after is not None and i >= self.stall_after:
                    await asyncio.sleep(3600)
                await asyncio.sleep(self.delay_s)
        finally:
            self.closed.set()

    async def aclose(self) -> None:
        self.closed.set()


@contextmanager
def _server(config: GatewayConfig, options: Options) -> Iterator[str]:
    options.approver = ApproveForTest()
    app = create_app(load_settings(), config, options)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _engine(closed: threading.Event, **kw: Any) -> Options:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_Endless(closed, **kw))

    return Options(client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def _config(timeout_s: float = 30) -> GatewayConfig:
    return make_config(
        [{"name": "m", "engine": "openai", "urls": ["http://engine.test/v1"], "safety": "off",
          "timeout_s": timeout_s}]
    )  # fmt: skip


def test_client_disconnect_cancels_the_engine_request() -> None:
    closed = threading.Event()
    with _server(_config(), _engine(closed, delay_s=0.01, stall_after=None)) as base:
        headers = {"authorization": f"Bearer {KEY}"}
        with httpx.stream(
            "POST", f"{base}/v1/chat/completions", json=CHAT, headers=headers, timeout=10
        ) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    break
        assert closed.wait(5), "the engine stream was not closed after the client left"


def test_stalled_engine_ends_the_stream_with_an_error_event() -> None:
    closed = threading.Event()
    options = _engine(closed, delay_s=0.0, stall_after=2)
    with _server(_config(timeout_s=0.5), options) as base:
        started = time.monotonic()
        response = httpx.post(
            f"{base}/v1/chat/completions", json=CHAT,
            headers={"authorization": f"Bearer {KEY}"}, timeout=10,
        )  # fmt: skip
        elapsed = time.monotonic() - started
    events = [e for e in response.text.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    assert orjson.loads(events[-2][6:])["error"]["code"] == "engine_timeout"
    assert elapsed < 5


@pytest.mark.anyio
async def test_slow_real_upstream_gives_504_and_an_error_event() -> None:
    from tests.gateway.conftest import gateway_client
    from tests.gateway.procs import fake_upstream

    with fake_upstream(tokens=3, token_ms=1500) as upstream:
        config = make_config(
            [{"name": "fake-model", "engine": "openai", "urls": [upstream], "safety": "off",
              "timeout_s": 0.5}]
        )  # fmt: skip
        body = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}
        async with gateway_client(config) as client:
            plain = await client.post("/v1/chat/completions", json=body)
            streamed = await client.post("/v1/chat/completions", json={**body, "stream": True})
    assert plain.status_code == 504
    assert plain.json()["error"]["code"] == "engine_timeout"
    events = [e for e in streamed.text.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    assert orjson.loads(events[-2][6:])["error"]["code"] == "engine_timeout"
