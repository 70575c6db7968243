"""The lean HTTP/1.1 transport against real loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from modelsteward.engines.llamacpp import free_port
from modelsteward.gateway.transport import LeanTransport

pytestmark = pytest.mark.anyio
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _server(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


async def _head(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":")[1]))
    return head.count(b"\r\n")


async def test_keep_alive_reuses_one_connection_and_reads_chunked_bodies() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                await _head(reader)
                writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                             b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")  # fmt: skip
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async with _server(handler) as base, httpx.AsyncClient(transport=LeanTransport()) as client:
        for _ in range(5):
            response = await client.post(f"{base}/x", content=b'{"a": 1}')
            assert response.status_code == 200 and response.text == "hello world"
    assert connections == 1


async def test_refused_connection_is_a_connect_error() -> None:
    port = free_port()
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"http://127.0.0.1:{port}/x", content=b"{}")


async def test_silent_server_is_a_read_timeout_and_mid_body_close_an_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _head(reader)
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            pass
        finally:
            writer.close()

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
        await writer.drain()
        writer.close()

    client = httpx.AsyncClient(transport=LeanTransport(), timeout=httpx.Timeout(0.3))
    async with client:
        async with _server(silent) as base:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(f"{base}/x", content=b"{}")
        async with _server(cut) as base:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(f"{base}/x", content=b"{}")


async def test_https_is_refused() -> None:
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("https://127.0.0.1:1/x")
