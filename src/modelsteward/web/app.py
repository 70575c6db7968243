"""``create_app``: the reviewer dashboard (server-rendered pages) and the registry's JSON
API under ``/api/v1``, over one registry service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelsteward._version import VERSION
from modelsteward.errors import StewardError
from modelsteward.registry import (
    ApprovalError,
    NotFoundError,
    RegistryService,
    StoreError,
    open_registry,
)
from modelsteward.web import api, decision_pages, pages
from modelsteward.web.security import SecureHeaders
from modelsteward.web.state import ChainStatus, WebOptions
from modelsteward.web.views import WebError

STATIC = Path(__file__).resolve().parent / "static"


def create_app(options: WebOptions, service: RegistryService | None = None) -> FastAPI:
    """The web app; it opens the registry at ``options.registry_dsn`` unless ``service`` is
    given, and closes what it opened when the app stops.

    Raises:
        StoreError: when the registry cannot be opened.
        PolicyError: when the policy file cannot be read.
    """
    from modelsteward.policy import default_policy, load_policy

    policy = load_policy(options.policy) if options.policy else default_policy()
    owned = service is None
    registry = service or open_registry(options.registry_dsn)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned:
                registry.close()

    app = FastAPI(
        title="modelsteward registry",
        version=VERSION,
        description="Models, passports, approvals, exceptions, deployments, SLA clocks and "
        "the audit chain of a modelsteward registry.",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = registry
    app.state.options = options
    app.state.policy = policy
    app.state.chain = ChainStatus(registry)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(decision_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecureHeaders, hsts=options.secure_cookies)
    app.add_exception_handler(StewardError, _steward_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    return app


def status_of(exc: StewardError) -> int:
    """The HTTP status of a refused operation."""
    if isinstance(exc, WebError):
        return exc.status
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ApprovalError):
        return 403
    if isinstance(exc, StoreError):
        return 503
    return 400


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


async def _steward_error(request: Request, exc: StewardError) -> Response:
    status = status_of(exc)
    if _wants_html(request):
        return pages.error_page(request, status, exc.message, exc.hint)
    body = {"error": {"status": status, "message": exc.message, "hint": exc.hint}}
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = f"invalid {where}: {first.get('msg', 'bad value')}"
    return await _steward_error(request, WebError(400, message))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    return await _steward_error(request, WebError(exc.status_code, str(exc.detail)))
