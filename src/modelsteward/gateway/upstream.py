"""Calls to OpenAI-compatible engines through one shared ``httpx.AsyncClient``.

Plain ``http://`` replicas of the gateway's own client are called through the lean
transport directly, with the request head prepared once per replica and path; ``https://``
replicas and an injected client (tests, custom transports) go through httpx.

Each model has one or more replicas (base URLs ending in ``/v1``). A request goes to the
next healthy replica in turn; it moves on to another replica only when the connection could
not be made, i.e. before any byte of the request was sent, so no request is ever run twice.
Replicas that refuse connections are taken out for a while and put back by the health check.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import orjson

from modelsteward._version import VERSION
from modelsteward.gateway.config import ModelConfig
from modelsteward.gateway.schemas import GatewayError
from modelsteward.gateway.transport import LeanTransport

_JSON = {"content-type": "application/json"}
_DOWN_S = 5.0


class EngineResponse(Protocol):
    """What the gateway reads of an engine's answer (``httpx.Response`` or ``LeanResponse``)."""

    @property
    def status_code(self) -> int: ...

    async def aread(self) -> bytes:
        """The whole body."""
        ...

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        ...

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        ...


@dataclass(slots=True)
class Replica:
    """One engine endpoint of a model."""

    base_url: str
    down_until: float = 0.0
    origin: tuple[str, int] | None = None
    """``(host, port)`` of a plain-HTTP replica (None for https)."""
    heads: dict[str, bytes] = field(default_factory=dict)
    """The prepared request head per API path (plain HTTP only)."""

    def __post_init__(self) -> None:
        url = urlsplit(self.base_url)
        if url.scheme == "http" and url.hostname:
            self.origin = (url.hostname, url.port or 80)
            prefix = f"POST {url.path or ''}".encode()
            host = f"host: {url.netloc}\r\nuser-agent: modelsteward/{VERSION}\r\n".encode()
            self.heads = {
                path: prefix + path.encode() + b" HTTP/1.1\r\n" + host
                + b"content-type: application/json\r\ncontent-length: "
                for path in ("/chat/completions", "/completions", "/embeddings")
            }  # fmt: skip

    @property
    def healthy(self) -> bool:
        """Whether the replica is in rotation."""
        return self.down_until <= time.monotonic()


@dataclass(slots=True)
class Backend:
    """The replicas serving one model and the timeouts to use with them."""

    model: ModelConfig
    replicas: list[Replica]
    timeout: httpx.Timeout
    timeouts: tuple[float, float] = (2.0, 120.0)
    """(connect, read) seconds for the lean transport."""
    _turn: int = field(default=0)

    @classmethod
    def for_model(cls, model: ModelConfig, urls: Iterable[str] | None = None) -> Backend:
        """A backend over ``urls`` (default: the model's configured URLs)."""
        return cls(
            model=model,
            replicas=[Replica(u.rstrip("/")) for u in (urls or model.urls)],
            timeout=httpx.Timeout(model.timeout_s, connect=model.connect_timeout_s),
            timeouts=(model.connect_timeout_s, model.timeout_s),
        )

    def order(self) -> list[Replica]:
        """Replicas to try: healthy ones round-robin first, then the rest as a last resort."""
        n = len(self.replicas)
        if n == 1:
            return self.replicas
        self._turn = (self._turn + 1) % n
        ring = self.replicas[self._turn :] + self.replicas[: self._turn]
        return [r for r in ring if r.healthy] + [r for r in ring if not r.healthy]


def _timeout_error(model: str) -> GatewayError:
    return GatewayError(
        504, f"the engine for {model!r} timed out", code="engine_timeout", err_type="server_error"
    )


def _bad_gateway(model: str, detail: str) -> GatewayError:
    return GatewayError(
        502,
        f"the engine for {model!r} failed: {detail}",
        code="engine_error",
        err_type="server_error",
    )


class Upstream:
    """Sends requests to the engines of all configured models."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        backends: dict[str, Backend],
        lean: LeanTransport | None = None,
    ) -> None:
        self.client = client
        self.backends = backends
        self.lean = lean
        """The transport behind ``client`` for plain HTTP, called directly when set."""

    def backend(self, model: str) -> Backend:
        """The backend of a configured model."""
        return self.backends[model]

    async def send(
        self, backend: Backend, path: str, body: bytes, *, stream: bool
    ) -> EngineResponse:
        """POST ``body`` to ``path`` on a replica and return the response.

        A non-streamed response is read completely; the caller closes a streamed one.
        Engine error statuses are turned into :class:`GatewayError` here (the body is read
        and passed on when it is small JSON).

        Raises:
            GatewayError: 502 when no replica is reachable or the engine fails, 504 on a timeout.
        """
        name = backend.model.name
        last = "no replica configured"
        for replica in backend.order():
            try:
                response = await self._post(backend, replica, path, body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing was sent: safe to try the next replica.
                replica.down_until = time.monotonic() + _DOWN_S
                last = f"cannot connect ({type(exc).__name__})"
                continue
            except httpx.TimeoutException as exc:
                raise _timeout_error(name) from exc
            except httpx.HTTPError as exc:
                raise _bad_gateway(name, type(exc).__name__) from exc
            if response.status_code >= 400:
                raise await _engine_status(response, name)
            if not stream:
                await _read(response, name)
            return response
        raise _bad_gateway(name, last)

    async def _post(
        self, backend: Backend, replica: Replica, path: str, body: bytes
    ) -> EngineResponse:
        if self.lean is not None and replica.origin is not None:
            head = replica.heads[path]
            return await self.lean.post(replica.origin, head, body, backend.timeouts)
        request = self.client.build_request(
            "POST", replica.base_url + path, content=body, headers=_JSON, timeout=backend.timeout
        )
        return await self.client.send(request, stream=True)

    async def check(self, backend: Backend) -> bool:
        """Probe every replica (``GET {base}/models``); return whether any is up."""
        results = await asyncio.gather(*(self._probe(r) for r in backend.replicas))
        return any(results)

    async def _probe(self, replica: Replica) -> bool:
        try:
            response = await self.client.get(replica.base_url + "/models", timeout=2.0)
        except httpx.HTTPError:
            replica.down_until = time.monotonic() + _DOWN_S
            return False
        ok = response.status_code < 500
        replica.down_until = 0.0 if ok else time.monotonic() + _DOWN_S
        return ok

    async def health_loop(self, interval_s: float) -> None:
        """Probe all backends every ``interval_s`` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            await asyncio.gather(*(self.check(b) for b in self.backends.values()))


async def _read(response: EngineResponse, model: str) -> None:
    try:
        await response.aread()
    except httpx.TimeoutException as exc:
        raise _timeout_error(model) from exc
    except httpx.HTTPError as exc:
        raise _bad_gateway(model, type(exc).__name__) from exc
    finally:
        await response.aclose()


async def _engine_status(response: EngineResponse, model: str) -> GatewayError:
    """Map an engine's error status: client errors pass through, server errors become 502."""
    try:
        raw = await response.aread()
    except httpx.HTTPError:
        raw = b""
    finally:
        await response.aclose()
    message = _engine_message(raw) or f"HTTP {response.status_code}"
    if response.status_code == 408:
        return _timeout_error(model)
    if 400 <= response.status_code < 500 and response.status_code not in (401, 403, 404):
        return GatewayError(response.status_code, message, code="engine_rejected")
    return _bad_gateway(model, message)


def _engine_message(raw: bytes) -> str:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw[:200].decode("utf-8", "replace").strip()
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])[:500]
        if isinstance(error, str):
            return error[:500]
    return ""


def new_client(lean: LeanTransport | None = None) -> httpx.AsyncClient:
    """The gateway's one upstream client: pooled keep-alive, no implicit retries.

    Plain ``http://`` engines go through the lean HTTP/1.1 transport (``lean`` when given);
    ``https://`` ones through httpx's default transport.
    """
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=128, keepalive_expiry=4.0)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(120.0, connect=2.0),
        mounts={
            "http://": lean or LeanTransport(keepalive_expiry=4.0),
            "https://": httpx.AsyncHTTPTransport(retries=0, limits=limits),
        },
    )
