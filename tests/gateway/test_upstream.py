"""Engine calls through the lean transport against real loopback sockets: fail-over before
any byte was sent, engine error statuses, timeouts, connection reuse."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from modelsteward.engines.llamacpp import free_port
from modelsteward.gateway.schemas import GatewayError
from modelsteward.gateway.transport import LeanTransport
from modelsteward.gateway.upstream import Backend, Upstream, new_client
from tests.gateway.conftest import make_config

pytestmark = pytest.mark.anyio
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
ANSWER = b'{"id": "x",  "model": "m", "choices": []}'


@asynccontextmanager
async def _engine(status: bytes, body: bytes, *, delay_s: float = 0) -> AsyncIterator[list[int]]:
    """A keep-alive engine answering every request alike; yields [port, connections]."""
    state = [0, 0]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state[1] += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = [ln for ln in head.split(b"\r\n") if ln.startswith(b"content-length:")]
                await reader.readexactly(int(length[0].split(b":")[1]))
                await asyncio.sleep(delay_s)
                writer.write(
                    b"HTTP/1.1 %s\r\ncontent-length: %d\r\n\r\n%s" % (status, len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    state[0] = server.sockets[0].getsockname()[1]
    async with server:
        yield state


@asynccontextmanager
async def _upstream(*ports: int, timeout_s: float = 2) -> AsyncIterator[tuple[Upstream, Backend]]:
    urls = [f"http://127.0.0.1:{p}/v1" for p in ports]
    model = {"name": "m", "engine": "openai", "urls": urls, "safety": "off", "timeout_s": timeout_s}
    backend = Backend.for_model(make_config([model]).models[0])
    lean = LeanTransport()
    client = new_client(lean)
    try:
        yield Upstream(client, {"m": backend}, lean), backend
    finally:
        await client.aclose()


async def test_answers_are_read_whole_over_one_kept_alive_connection() -> None:
    async with _engine(b"200 OK", ANSWER) as engine, _upstream(engine[0]) as (up, backend):
        for _ in range(3):
            response = await up.send(backend, "/chat/completions", b"{}", stream=False)
            assert response.status_code == 200
            assert await response.aread() == ANSWER
    assert engine[1] == 1


async def test_a_refused_replica_is_skipped_and_taken_out_of_rotation() -> None:
    dead = free_port()
    async with _engine(b"200 OK", ANSWER) as engine, _upstream(dead, engine[0]) as (up, backend):
        for _ in range(2):
            response = await up.send(backend, "/chat/completions", b"{}", stream=False)
            assert await response.aread() == ANSWER
        assert not backend.replicas[0].healthy and backend.replicas[1].healthy


async def test_engine_statuses_become_gateway_errors() -> None:
    rejected = b'{"error": {"message": "context too long"}}'
    async with _engine(b"400 Bad Request", rejected) as engine, _upstream(engine[0]) as (up, b):
        with pytest.raises(GatewayError) as client_error:
            await up.send(b, "/chat/completions", b"{}", stream=False)
    async with _engine(b"500 Oops", b"boom") as engine, _upstream(engine[0]) as (up, b):
        with pytest.raises(GatewayError) as server_error:
            await up.send(b, "/chat/completions", b"{}", stream=True)
    assert (client_error.value.status, client_error.value.code) == (400, "engine_rejected")
    assert client_error.value.message == "context too long"
    assert (server_error.value.status, server_error.value.code) == (502, "engine_error")
    assert "boom" in server_error.value.message


async def test_a_silent_engine_is_a_504_and_no_replica_a_502() -> None:
    silent = _engine(b"200 OK", ANSWER, delay_s=5)
    async with silent as engine, _upstream(engine[0], timeout_s=0.3) as (up, backend):
        with pytest.raises(GatewayError) as timeout:
            await up.send(backend, "/chat/completions", b"{}", stream=False)
    async with _upstream(free_port()) as (up, backend):
        with pytest.raises(GatewayError) as unreachable:
            await up.send(backend, "/chat/completions", b"{}", stream=False)
    assert (timeout.value.status, timeout.value.code) == (504, "engine_timeout")
    assert (unreachable.value.status, unreachable.value.code) == (502, "engine_error")
