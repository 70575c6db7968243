"""The ``serve`` command: the OpenAI-compatible gateway, from a config file or one GGUF."""

from __future__ import annotations

import logging
import math
import os
import secrets
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelsteward.cli import keys
from modelsteward.cli.demo_context import DemoContext, Section
from modelsteward.cli.serve_ops import announce_to, with_banner, wrap_access_log
from modelsteward.cli.state import CliState, get_state
from modelsteward.errors import StewardError, UsageError
from modelsteward.gateway.approval import ModelStatus
from modelsteward.gateway.config import (
    Approval,
    AuditSink,
    EngineKind,
    Exposure,
    GatewayConfig,
    KeyConfig,
    ModelConfig,
    SafetyProfile,
    hash_key,
    load_gateway_config,
)

if TYPE_CHECKING:
    from modelsteward.gateway.state import Options


class ServeError(StewardError):
    """The gateway refused to start."""


class FixedApprover:
    """Statuses decided before the app starts (the quick start vets before serving)."""

    def __init__(self, statuses: dict[str, ModelStatus]) -> None:
        self.statuses = statuses

    def check(self, model: ModelConfig) -> ModelStatus:
        """The precomputed status (not approved when the model was not vetted)."""
        return self.statuses.get(model.name, ModelStatus(False, "not vetted"))


def quick_config(gguf: Path, *, name: str, host: str, port: int, key: str) -> GatewayConfig:
    """One local GGUF behind the default safety layer, one key, in-memory quotas."""
    model = ModelConfig(
        name=name,
        engine=EngineKind.LLAMACPP,
        path=gguf,
        urls=(),
        upstream_model=name,
        files=(),
        safety=SafetyProfile.DEFAULT,
        exposure=Exposure.INTERNAL,
        timeout_s=120.0,
        connect_timeout_s=2.0,
    )
    quick_key = KeyConfig(name="quickstart", sha256=hash_key(key), models=frozenset({name}))
    return GatewayConfig(
        host=host,
        port=port,
        approval=Approval.WARN,
        audit_sink=AuditSink.JSONL,
        models=(model,),
        keys=(quick_key,),
    )


def vet_quick(state: CliState, gguf: Path, model: ModelConfig) -> ModelStatus:
    """Vet the file in ``warn`` mode, print its warnings, refuse high and critical findings.

    Raises:
        ServeError: when the file has high or critical findings or could not be scanned.
    """
    from modelsteward.gateway.coverage import coverage_of
    from modelsteward.gateway.vetting import vet_for_serving

    name = model.name
    status = vet_for_serving(gguf, warn_only=True, coverage=(coverage_of(model),))
    for line in status.warnings:
        state.log(f"warning: {line}")
    if not status.approved:
        raise ServeError(f"refusing to serve {gguf.name}: {status.reason}", hint="run vet")
    state.log(f"{name}: {status.reason}")
    return status


def run_server(state: CliState, config: GatewayConfig, options: Options | None = None) -> int:
    """Serve until interrupted."""
    import uvicorn

    from modelsteward.gateway.app import create_app
    from modelsteward.gateway.state import Options

    app = create_app(state.settings, config, options or Options())
    served, access = wrap_access_log(app, config)
    quiet = _StartupErrorFilter(app)
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addFilter(quiet)
    server = with_banner(_draining_server(), announce_to(state, config, app))(
        uvicorn.Config(
            served,
            host=config.host,
            port=config.port,
            loop=_loop(),
            http=_http(),
            log_level="info" if state.verbose else "warning",
            access_log=False,
            timeout_graceful_shutdown=math.ceil(config.limits.shutdown_grace_s),
        )
    )
    try:
        server.run()
    except SystemExit:
        # uvicorn exits the process when the lifespan fails; report it as one error line.
        if server.started:
            raise
    finally:
        uvicorn_log.removeFilter(quiet)
        if access is not None:
            access.close()
    error = getattr(app.state, "startup_error", None)
    if isinstance(error, StewardError):
        raise error
    if not server.started:
        raise ServeError("the gateway could not start", hint="see the log lines above")
    return 0


def _draining_server() -> type[Any]:
    import uvicorn

    class DrainingServer(uvicorn.Server):
        """On SIGTERM/SIGINT: stop accepting, let in-flight requests and streams finish for
        ``timeout_graceful_shutdown`` seconds, cancel what is left, close engines and the
        audit log, exit. A watchdog ends the process if that has not happened 10 s later."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if not self.should_exit:
                grace = float(self.config.timeout_graceful_shutdown or 0)
                timer = threading.Timer(grace + _EXIT_SLACK_S, os._exit, args=(_EXIT_STUCK,))
                timer.daemon = True
                timer.start()
            super().handle_exit(sig, frame)

    return DrainingServer


_EXIT_SLACK_S = 10.0
_EXIT_STUCK = 70


class _StartupErrorFilter(logging.Filter):
    """Drops uvicorn's traceback lines for a start-up failure the CLI reports as one
    ``error:`` line (an environment problem, not a bug)."""

    def __init__(self, app: object) -> None:
        super().__init__()
        self._app = app

    def filter(self, record: logging.LogRecord) -> bool:
        state = getattr(self._app, "state", None)
        if not isinstance(getattr(state, "startup_error", None), StewardError):
            return True
        text = record.getMessage()
        return not (
            text.startswith(("Traceback", "Exception in 'lifespan'"))
            or "Application startup failed" in text
        )


def _loop() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def _http() -> str:
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"


def serve(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Gateway YAML file.")
    ] = None,
    gguf: Annotated[
        Path | None, typer.Option("--gguf", help="Quick start: serve this one GGUF file.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Model id (quick start).")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option("--port", "-p", help="Listen port.")] = None,
    access_log: Annotated[
        Path | None,
        typer.Option(
            "--access-log",
            metavar="FILE",
            help="Write one JSON line per HTTP request to FILE ('-': stderr); never prompts.",
        ),
    ] = None,
) -> int:
    """Run the OpenAI-compatible gateway in front of approved models. At start it prints
    where it listens, the models it serves and those it refused with the reason.

    Examples:

      modelsteward serve --config gateway.yaml --access-log access.jsonl

      MODELSTEWARD_API_KEY=sk-mine modelsteward serve --gguf model.gguf --port 8080
    """
    from dataclasses import replace

    state = get_state(ctx)
    if (config is None) == (gguf is None):
        raise UsageError("give exactly one of --config FILE or --gguf FILE", hint="see --help")
    if config is not None:
        cfg = load_gateway_config(config)
        cfg = replace(
            cfg,
            host=host or cfg.host,
            port=cfg.port if port is None else port,
            access_log=access_log or cfg.access_log,
        )
        return run_server(state, cfg)
    assert gguf is not None
    if not gguf.is_file():
        raise UsageError(f"GGUF file not found: {gguf}", hint="pass a local .gguf file")
    from modelsteward.inventory import ArtifactKind, sniff_kind

    kind = sniff_kind(gguf)
    if kind is not ArtifactKind.GGUF:
        raise UsageError(
            f"not a GGUF file: {gguf} (its content is {kind.value})",
            hint="--gguf takes a GGUF model; serve other formats through an engine URL in --config",
        )
    model_name = name or gguf.stem
    key = state.settings.api_key
    if not key:
        key = "sk-ms-" + secrets.token_urlsafe(24)
        state.log(f"API key (set MODELSTEWARD_API_KEY to choose one): {key}")
    cfg = quick_config(
        gguf,
        name=model_name,
        host=host or "127.0.0.1",
        port=8080 if port is None else port,
        key=key,
    )
    cfg = replace(cfg, access_log=access_log)
    status = vet_quick(state, gguf, cfg.models[0])
    from modelsteward.gateway.state import Options, load_safety

    layer, why = load_safety(cfg, Options())
    if layer is None:
        raise ServeError(
            f"the safety layer cannot run: {why}", hint="pip install 'modelsteward[safety]'"
        )
    options = Options(approver=FixedApprover({model_name: status}), safety=layer)
    return run_server(state, cfg, options)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("serve")(serve)
    keys.register(app)


def _demo_gateway(ctx: DemoContext) -> None:
    from modelsteward.cli.serve_demo import run_demo

    run_demo(ctx)


DEMO_SECTIONS: tuple[tuple[str, Section], ...] = (("gateway", _demo_gateway),)
"""Sections this area adds to ``modelsteward demo``, in order."""
