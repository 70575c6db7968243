"""A lean HTTP/1.1 keep-alive transport for the gateway's ``httpx.AsyncClient``.

The gateway talks to engines on a private network or loopback with plain HTTP/1.1. This
transport sends each request head and body in one write and parses answers with
``httptools``, which removes most of the per-request cost of the general-purpose stack.
It raises httpx's own exceptions, so callers cannot tell the difference: ``ConnectError`` /
``ConnectTimeout`` only when no byte was sent, ``ReadTimeout`` when the engine is silent,
``RemoteProtocolError`` / ``ReadError`` when it goes away. HTTPS URLs are refused: use
httpx's default transport for those (:func:`modelsteward.gateway.upstream.new_client` does).

Connections are kept alive after complete answers, but not after streamed ones: llama.cpp's
server (the embedded engine among them) closes the connection right after the last chunk of
every streamed answer without announcing it (no ``Connection: close``), so a pooled
connection would reach the next request with the engine's FIN in flight, and that request
would fail with ``RemoteProtocolError`` before the engine read it. A stream lasts
milliseconds to minutes; one more loopback connect for it costs about 0.1 ms.

The request path of the gateway skips httpx altogether: :meth:`LeanTransport.post` takes a
prepared request head and returns a :class:`LeanResponse`, the part of ``httpx.Response`` the
gateway reads (no URL parsing, header objects, cookies or redirects per request).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator
from typing import Any

import httptools
import httpx

_MAX_BUFFER = 1 << 20
_Key = tuple[str, int]


class _Conn(asyncio.Protocol):
    """One keep-alive connection; a response is read through :meth:`next_body`."""

    def __init__(self) -> None:
        self.transport: Any = None
        """The asyncio (or uvloop) transport; uvloop's is not an ``asyncio.Transport``."""
        self.closed = False
        self.idle_since = 0.0
        self.error: Exception | None = None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.done = False
        self.head_done = False
        self.keep_alive = False
        self.waiter: asyncio.Future[None] | None = None
        self.parser: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.parser is None:
            self._fail(httpx.RemoteProtocolError("engine sent data without a request"))
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"invalid HTTP from the engine: {exc}"))
        if self.buffered > _MAX_BUFFER and self.transport is not None:
            self.transport.pause_reading()

    def eof_received(self) -> bool | None:
        self._lost()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost()

    def _lost(self) -> None:
        self.closed = True
        if self.parser is not None and not self.done:
            self._fail(httpx.RemoteProtocolError("engine closed the connection mid-response"))

    def _fail(self, exc: Exception) -> None:
        self.error = self.error or exc
        self.closed = True
        self._wake()
        if self.transport is not None:
            self.transport.close()

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.head_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.buffered += len(body)
        self._wake()

    def on_message_complete(self) -> None:
        self.keep_alive = bool(self.parser.should_keep_alive())
        self.done = True
        self._wake()

    def start(self, payload: bytes) -> None:
        """Send a request and reset the response state."""
        self.status, self.headers, self.done, self.head_done = 0, [], False, False
        self.keep_alive = False
        self.body.clear()
        self.buffered = 0
        self.parser = httptools.HttpResponseParser(self)
        if self.transport is None:
            raise httpx.ConnectError("the connection to the engine is not open")
        self.transport.write(payload)

    async def wait(self, timeout: float | None) -> None:
        """Wait for the next parser event, at most ``timeout`` seconds."""
        if self.error is not None:
            raise self.error
        if self.closed:
            raise httpx.RemoteProtocolError("engine closed the connection")
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        handle = None
        if timeout is not None:
            handle = loop.call_later(timeout, self._expire, self.waiter)
        try:
            await self.waiter
        finally:
            if handle is not None:
                handle.cancel()
        if self.error is not None:
            raise self.error

    def _expire(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            waiter.set_exception(httpx.ReadTimeout("the engine did not answer in time"))

    def take(self) -> bytes:
        """Everything buffered of the body so far."""
        data = b"".join(self.body)
        self.body.clear()
        if self.buffered > _MAX_BUFFER and self.transport is not None:
            self.transport.resume_reading()
        self.buffered = 0
        return data


class _Body(httpx.AsyncByteStream):
    def __init__(self, owner: LeanTransport, key: _Key, conn: _Conn, timeout: float | None):
        self.owner, self.key, self.conn, self.timeout = owner, key, conn, timeout
        self.released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self.conn
        while True:
            if conn.body:
                yield conn.take()
                continue
            if conn.done:
                break
            await conn.wait(self.timeout)
        self._release(reusable=not _event_stream(conn.headers))

    async def read(self) -> bytes:
        """The whole body; the connection goes back to the pool (or is closed on failure)."""
        conn = self.conn
        parts: list[bytes] = []
        try:
            while True:
                if conn.body:
                    parts.append(conn.take())
                elif conn.done:
                    break
                else:
                    await conn.wait(self.timeout)
        except BaseException:
            self._release(reusable=False)
            raise
        self._release(reusable=True)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def aclose(self) -> None:
        self._release(reusable=False)

    def _release(self, *, reusable: bool) -> None:
        if self.released:
            return
        self.released = True
        conn = self.conn
        keep = reusable and conn.done and conn.keep_alive and not conn.closed
        conn.parser = None
        if keep:
            self.owner.put(self.key, conn)
        elif conn.transport is not None:
            # Closing mid-response is how a cancelled request stops the engine.
            conn.closed = True
            conn.transport.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive pool over asyncio protocols (plain ``http://`` only)."""

    def __init__(self, *, max_idle_per_host: int = 64, keepalive_expiry: float = 4.0) -> None:
        self._idle: dict[_Key, list[_Conn]] = {}
        self._max_idle = max_idle_per_host
        self._expiry = keepalive_expiry

    def put(self, key: _Key, conn: _Conn) -> None:
        """Return a finished connection to the pool."""
        idle = self._idle.setdefault(key, [])
        if len(idle) >= self._max_idle:
            if conn.transport is not None:
                conn.transport.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def _take(self, key: _Key) -> _Conn | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if not conn.closed and now - conn.idle_since < self._expiry:
                return conn
            if conn.transport is not None:
                conn.transport.close()
        return None

    async def _open(self, key: _Key, timeout: float | None) -> _Conn:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(_Conn, key[0], key[1])
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {key[0]}:{key[1]} timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {key[0]}:{key[1]}: {exc}") from exc
        return conn

    async def _exchange(
        self, key: _Key, payload: bytes, connect_s: float | None, read_s: float | None
    ) -> _Conn:
        conn = self._take(key) or await self._open(key, connect_s)
        conn.start(payload)
        try:
            while not conn.head_done:
                await conn.wait(read_s)
        except BaseException:
            conn.closed = True
            if conn.transport is not None:
                conn.transport.close()
            raise
        return conn

    async def post(
        self, origin: _Key, head: bytes, body: bytes, timeouts: tuple[float, float]
    ) -> LeanResponse:
        """POST ``body`` after ``head`` (request line and headers up to ``content-length: ``).

        ``timeouts`` are (connect, read) seconds. Returns once the response head arrived.

        Raises:
            httpx.ConnectError: the connection could not be made (nothing was sent).
            httpx.ConnectTimeout: connecting took too long (nothing was sent).
            httpx.ReadTimeout: the engine was silent for longer than the read timeout.
            httpx.RemoteProtocolError: the engine closed the connection or sent invalid HTTP.
        """
        payload = b"%s%d\r\n\r\n%s" % (head, len(body), body)
        conn = await self._exchange(origin, payload, timeouts[0], timeouts[1])
        return LeanResponse(conn.status, _Body(self, origin, conn, timeouts[1]))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and return the response once its head has arrived."""
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol("the lean transport speaks plain http only")
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        key = (url.host, url.port or 80)
        read_timeout = timeouts.get("read")
        conn = await self._exchange(key, _encode(request), timeouts.get("connect"), read_timeout)
        return httpx.Response(
            conn.status,
            headers=conn.headers,
            stream=_Body(self, key, conn, read_timeout),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            for conn in idle:
                if conn.transport is not None:
                    conn.transport.close()
        self._idle.clear()


class LeanResponse:
    """An engine's answer as the gateway reads it (a subset of ``httpx.Response``)."""

    __slots__ = ("_body", "_content", "status_code")

    def __init__(self, status_code: int, body: _Body) -> None:
        self.status_code = status_code
        self._body = body
        self._content: bytes | None = None

    async def aread(self) -> bytes:
        """The whole body (read once, then kept).

        Raises:
            httpx.ReadTimeout, httpx.RemoteProtocolError: as :meth:`LeanTransport.post`.
        """
        if self._content is None:
            self._content = await self._body.read()
        return self._content

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body piece by piece as it arrives (for streams)."""
        return self._body.__aiter__()

    async def aclose(self) -> None:
        """Stop reading; an unfinished answer's connection is closed, ending the request."""
        await self._body.aclose()


def _event_stream(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether an answer was a server-sent event stream (its connection is not reused)."""
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.lower().startswith(b"text/event-stream")
    return False


def _encode(request: httpx.Request) -> bytes:
    body = request.content
    target = request.url.raw_path
    lines = [request.method.encode() + b" " + target + b" HTTP/1.1"]
    for name, value in request.headers.raw:
        lines.append(name + b": " + value)
    if "content-length" not in request.headers:
        lines.append(b"content-length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
