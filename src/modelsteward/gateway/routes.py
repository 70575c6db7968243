"""The framework routes: model list, health, readiness and metrics.

The generation endpoints are plain ASGI apps in :mod:`modelsteward.gateway.endpoints`.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from modelsteward.gateway.deps import GatewayDep, KeyDep

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
