"""The framework routes: model list, health, readiness and metrics.

The generation endpoints are plain ASGI apps in :mod:`modelsteward.gateway.endpoints`.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from modelsteward.gateway.deps import GatewayDep, KeyDep, key_from_header
from modelsteward.gateway.schemas import GatewayError

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
async def readyz(gw: GatewayDep, request: Request) -> Response:
    """Readiness: at least one approved model has a reachable engine, and every service the
    gateway needs (Redis, the registry) answers.

    Without a valid key the answer names only the services that are down; with one (or when
    no keys are configured) it also lists each model's approval and reachability.
    """
    models = {}
    ready = False
    for name, backend in gw.upstream.backends.items():
        status = gw.statuses[name]
        up = status.approved and await gw.upstream.check(backend)
        ready = ready or up
        models[name] = {"approved": status.approved, "reachable": up, "reason": status.reason}
    for name, status in gw.statuses.items():
        models.setdefault(name, {"approved": False, "reachable": False, "reason": status.reason})
    down = await gw.deps.probe() if gw.deps.probes else {}
    ready = ready and not down
    body: dict[str, object] = {"status": "ready" if ready else "not_ready"}
    if down:
        body["unavailable"] = sorted(down)
    if _authorized(gw, request):
        body["dependencies"] = {name: down.get(name, "ok") for name in gw.deps.probes}
        body["models"] = models
    return Response(orjson.dumps(body), status_code=200 if ready else 503, media_type=_JSON)


def _authorized(gw: GatewayDep, request: Request) -> bool:
    try:
        key_from_header(gw, request.headers.get("authorization", ""))
    except GatewayError:
        return False
    return True


@router.get("/metrics")
async def metrics(gw: GatewayDep, request: Request) -> Response:
    """Prometheus metrics; they need an API key unless ``metrics.require_key`` is off."""
    if gw.config.metrics_require_key:
        key_from_header(gw, request.headers.get("authorization", ""))
    return Response(gw.metrics.render(), media_type=gw.metrics.content_type)
