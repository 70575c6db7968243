"""The generation endpoints as plain ASGI apps.

Chat, completions and embeddings are the gateway's hot path: :class:`GatewayApp` hands their
``POST`` requests straight to a :class:`Generate` endpoint, without the framework's routing,
dependency injection and middleware, which cost more CPU per request than the proxying itself.
The same endpoints are also mounted as ordinary routes, so anything the fast dispatch does not
take (another method, a ``root_path``) gets the framework's usual answers.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from fastapi import FastAPI
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from modelsteward.gateway.audit import AuditRecord
from modelsteward.gateway.config import KeyConfig
from modelsteward.gateway.deps import key_from_header
from modelsteward.gateway.proxy import PATHS, finish, forward_json, prepare
from modelsteward.gateway.relay import open_stream, relay
from modelsteward.gateway.schemas import GatewayError, Kind
from modelsteward.gateway.state import Gateway

_JSON = b"application/json"


class Generate:
    """``POST`` of one generation kind: admit, forward, answer (JSON or SSE)."""

    def __init__(self, app: FastAPI, kind: Kind) -> None:
        self.app = app
        self.kind = kind

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request; gateway errors become OpenAI error bodies."""
        gw: Gateway = self.app.state.gateway
        started = time.perf_counter()
        try:
            key = key_from_header(gw, _header(scope, b"authorization"))
        except GatewayError as exc:
            await send_error(send, exc)
            return
        try:
            _check_json(_header(scope, b"content-type"))
            limits = gw.config.limits
            async with asyncio.timeout(limits.body_timeout_s):
                body = await _read_body(scope, receive, limits.max_body_bytes)
        except TimeoutError:
            slow = _slow_body(gw.config.limits.body_timeout_s)
            _rejected(gw, key.name, self.kind, slow, started)
            await send_error(send, slow)
            return
        except ClientDisconnect:
            return
        except GatewayError as exc:
            _rejected(gw, key.name, self.kind, exc, started)
            await send_error(send, exc)
            return
        await self._generate(gw, key, body, scope, receive, send)

    async def _generate(
        self, gw: Gateway, key: KeyConfig, raw: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        started = time.perf_counter()
        kind = self.kind
        try:
            call = await prepare(gw, kind, key, raw)
        except GatewayError as exc:
            _rejected(gw, key.name, kind, exc, started)
            await send_error(send, exc)
            return
        try:
            if not call.stream or kind == "embedding":
                body, headers = await forward_json(gw, call)
                await finish(gw, call, 200)
                await send_json(send, 200, body, headers)
                return
            response, headers = await open_stream(gw, call)
        except GatewayError as exc:
            await finish(gw, call, exc.status, exc.message)
            await send_error(send, exc)
            return
        stream = StreamingResponse(
            relay(gw, call, response), media_type="text/event-stream", headers=headers
        )
        await stream(scope, receive, send)


class GatewayApp(FastAPI):
    """The FastAPI app with the generation endpoints dispatched ahead of the framework."""

    hot: dict[str, Generate]
    """``POST`` path -> endpoint."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send hot-path requests to their endpoint, everything else through FastAPI."""
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            endpoint = self.hot.get(scope["path"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _check_json(content_type: str) -> None:
    """Generation requests must say their body is JSON.

    Raises:
        GatewayError: 415 for any other (or no) media type.
    """
    media = content_type.partition(";")[0].strip().lower()
    if media != "application/json":
        shown = media or "none"
        raise GatewayError(
            415,
            f"the request body must be JSON sent as Content-Type: application/json (got {shown})",
            code="unsupported_media_type",
        )


def _body_refused(status: int, message: str, code: str) -> GatewayError:
    # The rest of the body is never read: the connection closes after the answer.
    return GatewayError(status, message, code=code, headers={"connection": "close"})


def _too_large(limit: int) -> GatewayError:
    message = f"the request body is larger than the gateway's limit of {limit} bytes"
    return _body_refused(413, message, "request_too_large")


def _slow_body(limit_s: float) -> GatewayError:
    message = f"the request body did not arrive within {limit_s:g} s"
    return _body_refused(408, message, "request_timeout")


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, refused (413) as soon as it is known to exceed ``limit``."""
    declared = _header(scope, b"content-length")
    if declared and (not declared.isdigit() or int(declared) > limit):
        raise _too_large(limit)
    message: Message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientDisconnect()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > limit:
            raise _too_large(limit)
        return body
    parts = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        part: bytes = message.get("body", b"")
        size += len(part)
        if size > limit:
            raise _too_large(limit)
        parts.append(part)
        if not message.get("more_body", False):
            return b"".join(parts)


async def send_json(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    """Send a complete JSON response."""
    raw = [(b"content-type", _JSON), (b"content-length", b"%d" % len(body))]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_error(send: Send, exc: GatewayError) -> None:
    """Send a gateway error as an OpenAI error body."""
    await send_json(send, exc.status, exc.body(), exc.headers)


def _rejected(gw: Gateway, key: str, kind: Kind, exc: GatewayError, started: float) -> None:
    model = exc.model[:200] if exc.model is not None else None
    record = AuditRecord(
        request_id=uuid.uuid4().hex, key=key, model=model, endpoint=PATHS[kind],
        status=exc.status, error=exc.code,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
    )  # fmt: skip
    if exc.code == "content_blocked":
        record.decide("input", "block", tuple(exc.extra.get("rule_ids", ())))
    known = exc.model if exc.model in gw.models else ""  # bounded label values
    gw.metrics.count_request(known or "", kind, exc.status)
    gw.audit.write(record)
