"""A structured access log: one JSON line per HTTP request, never a prompt.

Each line holds the time, client address, method, path (without the query string), status,
response bytes, duration, the caller's key *name* (looked up from the bearer token's hash,
never the token) and the user agent. Bodies are
never read, so no prompt or answer can reach the log. Each line is one ``write(2)`` on a file
opened with ``O_APPEND``, so lines from several workers never interleave.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
KeyNamer = Callable[[str], str | None]
"""Maps a bearer token's SHA-256 to the key's configured name, or None."""

_MAX_FIELD = 256
"""Header values copied into the log are cut to this many characters."""


class AccessLogWriter:
    """Appends lines to a file (or stderr for ``-``)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        if str(target) == "-":
            self._fd = sys.stderr.fileno()
            self._owned = False
        else:
            self._fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._owned = True

    def write(self, entry: dict[str, object]) -> None:
        """Write one line; an I/O error never fails the request."""
        with contextlib.suppress(OSError):
            os.write(self._fd, orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        """Close the file (stderr stays open)."""
        if self._owned:
            os.close(self._fd)
            self._owned = False


class AccessLog:
    """ASGI middleware that writes one access-log line per HTTP request."""

    def __init__(self, app: ASGIApp, writer: AccessLogWriter, key_name: KeyNamer) -> None:
        self.app = app
        self.writer = writer
        self.key_name = key_name

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)  # app.state, app.router... stay reachable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": 500, "bytes": 0}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.writer.write(self._entry(scope, seen, started))

    def _entry(self, scope: Scope, seen: dict[str, Any], started: float) -> dict[str, object]:
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        client = scope.get("client")
        token = headers.get(b"authorization", b"").partition(b" ")[2].strip()
        key = self.key_name(hashlib.sha256(token).hexdigest()) if token else None
        return {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
            "client": client[0] if client else None,
            "method": scope.get("method"),
            "path": scope.get("path", "")[:_MAX_FIELD],
            "status": seen["status"],
            "bytes": seen["bytes"],
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "key": key,
            "user_agent": headers.get(b"user-agent", b"").decode("latin-1")[:_MAX_FIELD] or None,
        }
