"""HTTP routes: thin adapters from requests to :mod:`proxy` and :mod:`relay`."""

from __future__ import annotations

import time
import uuid

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from modelsteward.gateway.audit import AuditRecord
from modelsteward.gateway.deps import GatewayDep, KeyDep
from modelsteward.gateway.proxy import PATHS, Call, finish, forward_json, prepare
from modelsteward.gateway.relay import open_stream, relay
from modelsteward.gateway.schemas import GatewayError, Kind
from modelsteward.gateway.state import Gateway

router = APIRouter()
_JSON = "application/json"


@router.get("/v1/models")
async def list_models(gw: GatewayDep, key: KeyDep) -> Response:
    """The approved models this key may use."""
    data = [
        {"id": name, "object": "model", "created": 0, "owned_by": "modelsteward"}
        for name in gw.models
        if gw.statuses[name].approved and key.allows(name)
    ]
    return Response(orjson.dumps({"object": "list", "data": data}), media_type=_JSON)


@router.post("/v1/chat/completions")
async def chat(request: Request, gw: GatewayDep, key: KeyDep) -> Response:
    """Chat completions, streamed or not."""
    return await _generate(request, gw, key, "chat")


@router.post("/v1/completions")
async def completions(request: Request, gw: GatewayDep, key: KeyDep) -> Response:
    """Text completions, streamed or not."""
    return await _generate(request, gw, key, "completion")


@router.post("/v1/embeddings")
async def embeddings(request: Request, gw: GatewayDep, key: KeyDep) -> Response:
    """Embeddings."""
    return await _generate(request, gw, key, "embedding")


@router.get("/healthz")
async def healthz() -> Response:
    """Liveness: the process answers."""
    return Response(b'{"status":"ok"}', media_type=_JSON)


@router.get("/readyz")
async def readyz(gw: GatewayDep) -> Response:
    """Readiness: at least one approved model has a reachable engine."""
    models = {}
    ready = False
    for name, backend in gw.upstream.backends.items():
        status = gw.statuses[name]
        up = status.approved and await gw.upstream.check(backend)
        ready = ready or up
        models[name] = {"approved": status.approved, "reachable": up, "reason": status.reason}
    for name, status in gw.statuses.items():
        models.setdefault(name, {"approved": False, "reachable": False, "reason": status.reason})
    body = orjson.dumps({"status": "ready" if ready else "not_ready", "models": models})
    return Response(body, status_code=200 if ready else 503, media_type=_JSON)


@router.get("/metrics")
async def metrics(gw: GatewayDep) -> Response:
    """Prometheus metrics."""
    return Response(gw.metrics.render(), media_type=gw.metrics.content_type)


async def _generate(request: Request, gw: Gateway, key: KeyDep, kind: Kind) -> Response:
    started = time.perf_counter()
    try:
        call = await prepare(gw, kind, key, await request.body())
    except GatewayError as exc:
        _rejected(gw, key.name, kind, exc, started)
        raise
    try:
        if not call.stream or kind == "embedding":
            body, headers = await forward_json(gw, call)
            await finish(gw, call, 200)
            return Response(body, media_type=_JSON, headers=headers)
        response, headers = await open_stream(gw, call)
    except GatewayError as exc:
        await finish(gw, call, exc.status, exc.message)
        raise
    return StreamingResponse(
        relay(gw, call, response), media_type="text/event-stream", headers=headers
    )


def _rejected(gw: Gateway, key: str, kind: Kind, exc: GatewayError, started: float) -> None:
    record = AuditRecord(
        request_id=uuid.uuid4().hex, key=key, model=None, endpoint=PATHS[kind],
        status=exc.status, error=exc.code,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
    )  # fmt: skip
    if exc.code == "content_blocked":
        record.decide("input", "block", tuple(exc.extra.get("rule_ids", ())))
    gw.metrics.requests.labels("", kind, str(exc.status)).inc()
    gw.audit.write(record)


__all__ = ["Call", "router"]
