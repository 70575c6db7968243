"""The ``web`` command: the reviewer dashboard and the registry HTTP API."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.demo_context import Section
from modelsteward.cli.state import get_state
from modelsteward.config import is_loopback
from modelsteward.errors import UsageError

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = ()


def register(app: typer.Typer) -> None:
    """Add the ``web`` command to ``app``."""
    app.command("web")(web)


def web(
    ctx: typer.Context,
    registry: Annotated[
        str | None,
        typer.Option("--registry", help="Registry DSN (sqlite:///PATH or postgresql://...)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8480,
    anonymous_read: Annotated[
        bool,
        typer.Option(help="Let visitors who are not signed in read (never write)."),
    ] = False,
    gateway_audit: Annotated[
        Path | None,
        typer.Option(help="The gateway's audit file (default: <data dir>/gateway-audit.jsonl)."),
    ] = None,
    https: Annotated[
        bool,
        typer.Option(
            help="Behind TLS: mark cookies Secure and send HSTS (default off the loopback address)."
        ),
    ] = False,
) -> int:
    """Serve the reviewer dashboard and the JSON API (/api/v1, OpenAPI at
    /api/v1/openapi.json). Reviewers sign in with their registry token."""
    import uvicorn

    from modelsteward.web import WebOptions, create_app

    state = get_state(ctx)
    settings = state.settings
    if anonymous_read and not is_loopback(host):
        state.log(f"warning: anonymous visitors can read the registry on {host}:{port}")
    secret = settings.web_secret
    options = WebOptions(
        registry_dsn=registry or settings.registry_dsn,
        secret_key=secret.encode() if secret else secrets.token_bytes(32),
        anonymous_read=anonymous_read,
        secure_cookies=https or not is_loopback(host),
        gateway_audit=gateway_audit or settings.data_dir / "gateway-audit.jsonl",
    )
    if secret is not None and len(secret) < 32:
        raise UsageError(
            "MODELSTEWARD_WEB_SECRET is shorter than 32 characters",
            hint="use a long random value, e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'",
        )
    app = create_app(options)
    state.log(f"modelsteward web on http://{host}:{port} (registry {app.state.service.store.dsn})")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    return 0
