"""``create_app``: the gateway as an ASGI app with lifespan-managed resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from modelsteward._version import VERSION
from modelsteward.config import Settings
from modelsteward.errors import StewardError
from modelsteward.gateway.config import GatewayConfig
from modelsteward.gateway.endpoints import GatewayApp, Generate
from modelsteward.gateway.proxy import PATHS
from modelsteward.gateway.routes import router
from modelsteward.gateway.schemas import GatewayError, Kind
from modelsteward.gateway.state import Options, build_gateway

_GENERATION: tuple[Kind, ...] = ("chat", "completion", "embedding")


def create_app(
    settings: Settings, config: GatewayConfig, options: Options | None = None
) -> FastAPI:
    """The gateway app for ``config``; engines start and stop with the app's lifespan.

    ``options`` replaces defaults at the seams (upstream client, approver, safety layer,
    quotas, audit log).
    """
    opts = options or Options()
    if opts.data_dir is None:
        opts.data_dir = settings.data_dir
    registry_dsn = config.registry or settings.registry_dsn

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            gateway = await build_gateway(config, registry_dsn, opts)
        except StewardError as exc:
            app.state.startup_error = exc  # the CLI reports it as a one-line error
            raise
        app.state.gateway = gateway
        try:
            yield
        finally:
            await gateway.aclose()

    app = GatewayApp(
        title="modelsteward gateway",
        version=VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(router)
    app.hot = {}
    for kind in _GENERATION:
        path = "/v1" + PATHS[kind]
        app.hot[path] = Generate(app, kind)
        app.router.routes.append(Route(path, app.hot[path], methods=["POST"]))
    app.add_exception_handler(GatewayError, _gateway_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    return app


async def _gateway_error(request: Request, exc: GatewayError) -> Response:
    return Response(
        exc.body(), status_code=exc.status, headers=exc.headers, media_type="application/json"
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    return await _gateway_error(
        request, GatewayError(400, "invalid request", code="invalid_request")
    )


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    code = "not_found" if exc.status_code == 404 else "http_error"
    error = GatewayError(exc.status_code, str(exc.detail), code=code)
    return await _gateway_error(request, error)
