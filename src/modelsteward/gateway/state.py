"""The gateway's long-lived resources, built in the app's lifespan and closed with it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from modelsteward.engines import EmbeddedLlamaServer
from modelsteward.gateway.approval import Approver, ModelStatus, check_all, make_approver
from modelsteward.gateway.audit import AuditLog, JsonlAudit, NullAudit
from modelsteward.gateway.config import (
    Approval,
    AuditSink,
    EngineKind,
    GatewayConfig,
    KeyConfig,
    ModelConfig,
    SafetyProfile,
)
from modelsteward.gateway.dependencies import (
    Dependencies,
    Probe,
    redis_probe,
    registry_probe,
)
from modelsteward.gateway.guards import Layer, Moderator, load_layer, new_moderator, role
from modelsteward.gateway.metrics import Metrics
from modelsteward.gateway.quotas import MemoryQuotas, Quotas, RedisQuotas
from modelsteward.gateway.schemas import GatewayError
from modelsteward.gateway.transport import LeanTransport
from modelsteward.gateway.upstream import Backend, Upstream, new_client

log = logging.getLogger("modelsteward.gateway")

INLINE_GUARD_CHARS = 4096
"""Texts up to this size are checked on the event loop (well under a millisecond); longer
ones, and every text when the layer runs a classifier model or a judge, in the guard
threads, under the request's time budget."""

ANONYMOUS = KeyConfig(name="anonymous", sha256="0" * 64, models=frozenset({"*"}))
"""The caller when no keys are configured (allowed only on loopback)."""


@dataclass(slots=True, kw_only=True)
class Options:
    """Seams a caller (tests, the quick start) may fill instead of the defaults."""

    client: httpx.AsyncClient | None = None
    approver: Approver | None = None
    safety: Layer | None = None
    moderator: Callable[[Layer, int], Moderator] | None = None
    """Builds a stream moderator over the layer (default: the safety package's)."""
    quotas: Quotas | None = None
    audit: AuditLog | None = None
    window_chars: int = 256
    """How much streamed text the output moderator holds back before releasing it."""
    health_interval_s: float = 10.0
    data_dir: Path | None = None


@dataclass(slots=True, kw_only=True)
class Gateway:
    """Everything a request needs, shared by all requests of one app."""

    config: GatewayConfig
    upstream: Upstream
    models: dict[str, ModelConfig]
    statuses: dict[str, ModelStatus]
    keys: dict[str, KeyConfig]
    quotas: Quotas
    audit: AuditLog
    metrics: Metrics
    safety: Layer | None
    safety_error: str = ""
    moderator: Callable[[Layer, int], Moderator] = new_moderator
    window_chars: int = 256
    engines: list[EmbeddedLlamaServer] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    owns_client: bool = True
    deps: Dependencies = field(default_factory=lambda: Dependencies({}))
    guard_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="modelsteward-guard")
    )

    async def check(self, size: int, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a safety check of ``size`` characters of text; long ones off the event loop.

        Raises:
            GatewayError: 503 ``safety_timeout`` when the check takes longer than the
                configured budget (the request is refused: fail closed).
        """
        if size <= INLINE_GUARD_CHARS and not getattr(self.safety, "heavy", False):
            return fn(*args)
        loop = asyncio.get_running_loop()
        budget = self.config.limits.guard_budget_s
        future = loop.run_in_executor(self.guard_pool, functools.partial(fn, *args))
        try:
            return await asyncio.wait_for(future, budget)
        except TimeoutError:
            raise GatewayError(
                503,
                f"the safety layer could not check this request within {budget:g} s, so it "
                "is refused; send a shorter prompt",
                code="safety_timeout",
                err_type="server_error",
            ) from None

    def key_for(self, sha256: str) -> KeyConfig | None:
        """The key with this hash, or the anonymous caller when no keys are configured."""
        if not self.keys:
            return ANONYMOUS
        return self.keys.get(sha256)

    def layer(self) -> Layer:
        """The safety layer, or a 503 when it could not be loaded."""
        if self.safety is None:
            raise GatewayError(
                503,
                "the safety layer is not available, so this request cannot be served",
                code="safety_unavailable",
                err_type="server_error",
            )
        return self.safety

    async def aclose(self) -> None:
        """Stop background tasks, engines, Redis, the client and the audit log."""
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.quotas.close()
        if self.owns_client:
            await self.upstream.client.aclose()
        for engine in self.engines:
            await asyncio.to_thread(engine.stop)
        self.guard_pool.shutdown(wait=False, cancel_futures=True)
        self.audit.close()


async def build_gateway(config: GatewayConfig, registry_dsn: str, options: Options) -> Gateway:
    """Start engines, check approvals, connect Redis and open the audit log.

    Raises:
        EngineError: when an embedded engine cannot start.
    """
    engines: list[EmbeddedLlamaServer] = []
    models: dict[str, ModelConfig] = {m.name: m for m in config.models}
    backends: dict[str, Backend] = {}
    approver = options.approver or make_approver(config.approval, registry_dsn)
    statuses = await asyncio.to_thread(check_all, approver, models)
    safety, safety_error = load_safety(config, options)
    try:
        for model in config.models:
            status = statuses[model.name]
            if safety is None and model.safety is not SafetyProfile.OFF:
                statuses[model.name] = ModelStatus(
                    False, f"safety layer unavailable: {safety_error}"
                )
            if model.engine is EngineKind.LLAMACPP:
                if not statuses[model.name].approved:
                    continue  # an unapproved model is never loaded
                engine = _engine(model)
                await asyncio.to_thread(engine.start)
                engines.append(engine)
                backends[model.name] = Backend.for_model(model, [engine.base_url + "/v1"])
            else:
                backends[model.name] = Backend.for_model(model)
            log.info("model %s: %s", model.name, status.reason)
    except BaseException:
        for engine in engines:
            engine.stop()
        raise
    lean = LeanTransport(keepalive_expiry=4.0) if options.client is None else None
    client = options.client or new_client(lean)
    gateway = Gateway(
        config=config,
        upstream=Upstream(client, backends, lean),
        models=models,
        statuses=statuses,
        keys={k.sha256: k for k in config.keys},
        quotas=options.quotas or _quotas(config),
        audit=options.audit or _audit(config, options),
        metrics=Metrics(),
        safety=safety,
        safety_error=safety_error,
        moderator=options.moderator
        or functools.partial(new_moderator, hold_last_token=config.stream_hold_last_token),
        window_chars=options.window_chars,
        engines=engines,
        owns_client=options.client is None,
    )
    gateway.deps = Dependencies(
        _probes(config, registry_dsn, gateway.quotas, options),
        retry_after_s=config.retry_after_s,
    )
    if gateway.deps.probes:
        await gateway.deps.probe()
        task = asyncio.create_task(gateway.deps.loop(config.probe_interval_s))
        gateway.tasks.append(task)
    if options.health_interval_s > 0 and backends:
        task = asyncio.create_task(gateway.upstream.health_loop(options.health_interval_s))
        gateway.tasks.append(task)
    return gateway


def _probes(
    config: GatewayConfig, registry_dsn: str, quotas: Quotas, options: Options
) -> dict[str, Probe]:
    """The services this gateway needs while serving (see :mod:`.dependencies`)."""
    probes: dict[str, Probe] = {}
    ping = getattr(quotas, "ping", None)
    if config.redis_url and ping is not None:
        probes["redis"] = redis_probe(ping)
    if config.approval is Approval.REGISTRY and options.approver is None and registry_dsn:
        probes["registry"] = registry_probe(registry_dsn)
    return probes


def _engine(model: ModelConfig) -> EmbeddedLlamaServer:
    assert model.path is not None  # checked when the config was parsed
    return EmbeddedLlamaServer(
        model.path, n_ctx=model.n_ctx, threads=model.threads, alias=model.name
    )


def load_safety(config: GatewayConfig, options: Options) -> tuple[Layer | None, str]:
    """The safety layer the config needs (None and the reason when it cannot run)."""
    if options.safety is not None:
        return options.safety, ""
    if all(m.safety is SafetyProfile.OFF for m in config.models) and not any(
        k.safety not in (None, SafetyProfile.OFF) for k in config.keys
    ):
        return None, "no model needs it"
    try:
        layer = load_layer(config.safety_policy)
        # Load classifiers now, not on the first request; a layer that cannot run is absent.
        layer.check_text("start-up check", role("user"))
    except GatewayError as exc:
        return None, str(exc.extra.get("detail") or exc.message)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return layer, ""


def _quotas(config: GatewayConfig) -> Quotas:
    if config.redis_url:
        return RedisQuotas(config.redis_url, prefix=config.redis_prefix)
    return MemoryQuotas()


def _audit(config: GatewayConfig, options: Options) -> AuditLog:
    if config.audit_sink is AuditSink.NONE:
        return NullAudit()
    if config.audit_sink is AuditSink.REGISTRY:
        log.warning("audit to the registry is not available yet; writing JSON lines")
    path = config.audit_path or (options.data_dir or Path(".")) / "gateway-audit.jsonl"
    return JsonlAudit(path, fsync=config.audit_fsync.value)
