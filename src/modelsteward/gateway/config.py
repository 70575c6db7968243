"""The gateway's YAML configuration, parsed once at start-up into frozen values.

Example::

    listen: {host: 127.0.0.1, port: 8080}
    approval: registry            # or: auto (vet each model at start-up)
    registry: sqlite:///var/lib/modelsteward/registry.db
    redis_url: redis://127.0.0.1:6379/0
    audit: {sink: jsonl, path: audit.jsonl, include_prompts: false, fsync: interval}
    limits: {max_body_bytes: 4194304, body_timeout_s: 30, max_message_chars: 131072,
             max_prompt_chars: 524288, guard_budget_s: 10, shutdown_grace_s: 30}
    metrics: {require_key: true}
    safety_policy: safety.yaml     # optional: thresholds, allow lists, a local classifier model
    dependencies: {probe_interval_s: 2, retry_after_s: 5}
    models:
      - name: stories
        engine: llamacpp
        path: models/stories.gguf
        safety: default
        exposure: internal
      - name: llama-3-8b
        engine: openai
        urls: [http://10.0.0.5:8000/v1, http://10.0.0.6:8000/v1]
        upstream_model: meta-llama/Meta-Llama-3-8B-Instruct
        path: /models/llama-3-8b        # the weights the engine serves, for the approval
        exposure: customer_facing
    keys:
      - name: team-search
        sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        models: [stories]
        rpm: 60
        tpm: 20000
        daily_tokens: 500000
    keys_file: gateway-keys.yaml        # more keys, made by `modelsteward keys create`
    access_log: access.jsonl            # one JSON line per HTTP request (`-`: stderr)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from modelsteward.config import is_loopback
from modelsteward.errors import ConfigError
from modelsteward.gateway.config_schema import (
    Approval,
    AuditSink,
    EngineKind,
    Exposure,
    FsyncPolicy,
    GatewayIn,
    KeyIn,
    ModelIn,
    SafetyProfile,
)

__all__ = [
    "Approval",
    "AuditSink",
    "EngineKind",
    "Exposure",
    "FsyncPolicy",
    "GatewayConfig",
    "KeyConfig",
    "Limits",
    "ModelConfig",
    "SafetyProfile",
    "hash_key",
    "load_gateway_config",
    "parse_gateway_config",
    "read_gateway_yaml",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelConfig:
    """One served model."""

    name: str
    """The id clients send in ``model``."""
    engine: EngineKind
    path: Path | None
    """The GGUF file (llamacpp) or the weights the URL engine serves (for the approval)."""
    urls: tuple[str, ...]
    """Replica base URLs ending in ``/v1``; filled in for the embedded engine at start-up."""
    upstream_model: str
    """The id sent to the engine."""
    files: tuple[tuple[str, str], ...]
    """Declared ``(relpath, sha256)`` pairs for URL engines without a local path."""
    safety: SafetyProfile
    exposure: Exposure
    timeout_s: float
    connect_timeout_s: float
    n_ctx: int = 2048
    threads: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyConfig:
    """One API key, stored only as its SHA-256."""

    name: str
    sha256: str
    models: frozenset[str]
    rpm: int | None = None
    tpm: int | None = None
    daily_tokens: int | None = None
    safety: SafetyProfile | None = None

    def allows(self, model: str) -> bool:
        """Whether this key may call ``model``."""
        return "*" in self.models or model in self.models


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Bounds on what one request may cost the gateway."""

    max_body_bytes: int = 4 << 20
    """Larger bodies get 413 before the rest is read."""
    body_timeout_s: float = 30.0
    """A body that takes longer than this to arrive gets 408."""
    max_message_chars: int = 128 << 10
    """Characters of text in one message (or one prompt string)."""
    max_prompt_chars: int = 512 << 10
    """Characters of text in all messages of a request together."""
    guard_budget_s: float = 10.0
    """Wall time the safety layer may spend on one check before the request is refused."""
    shutdown_grace_s: float = 30.0
    """After SIGTERM: how long in-flight requests and streams may take to finish."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayConfig:
    """The whole gateway configuration."""

    host: str = "127.0.0.1"
    port: int = 8080
    approval: Approval = Approval.REGISTRY
    registry: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "modelsteward"
    audit_sink: AuditSink = AuditSink.JSONL
    audit_path: Path | None = None
    audit_prompts: bool = False
    audit_fsync: FsyncPolicy = FsyncPolicy.INTERVAL
    limits: Limits = field(default_factory=Limits)
    metrics_require_key: bool = True
    """``/metrics`` needs an API key (when keys are configured)."""
    probe_interval_s: float = 2.0
    """How often Redis and the registry are probed."""
    retry_after_s: int = 5
    """``Retry-After`` of a 503 while a dependency is down."""
    stream_hold_last_token: bool = False
    """Strict stream moderation: never release a stream's last token before the next chunk
    (or the end) shows it complete; costs one token interval of time to first token."""
    models: tuple[ModelConfig, ...] = ()
    keys: tuple[KeyConfig, ...] = field(default=())
    keys_file: Path | None = None
    """Keys made by ``modelsteward keys``; its active ones are in ``keys``."""
    access_log: Path | None = None
    """Where the JSON-lines access log goes (``-``: stderr); None: no access log."""
    safety_policy: Path | None = None
    """The safety policy file (YAML or JSON) of the safety layer; None: the default policy."""

    def model(self, name: str) -> ModelConfig | None:
        """The model called ``name``, if configured."""
        for model in self.models:
            if model.name == name:
                return model
        return None


def hash_key(key: str) -> str:
    """The SHA-256 hex digest under which an API key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def load_gateway_config(path: Path) -> GatewayConfig:
    """Read and validate a gateway YAML file; relative paths resolve against its folder.

    Raises:
        ConfigError: when the file is unreadable, not YAML, or invalid.
    """
    return parse_gateway_config(read_gateway_yaml(path), base=path.parent, source=str(path))


def read_gateway_yaml(path: Path) -> Any:
    """The parsed YAML of a gateway file, not yet validated.

    Raises:
        ConfigError: when the file is unreadable or not YAML.
    """
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", hint="check the path") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}", hint="fix the syntax") from exc


def parse_gateway_config(raw: Any, *, base: Path, source: str = "config") -> GatewayConfig:
    """Validate an already-parsed mapping into a :class:`GatewayConfig`.

    Raises:
        ConfigError: with the first problem's location when the mapping is invalid.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} must be a mapping", hint="see docs/gateway.md")
    try:
        parsed = GatewayIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(
            f"{source}: {where}: {first['msg']}", hint="see docs/gateway.md for the format"
        ) from exc
    models = tuple(_model(m, base) for m in parsed.models)
    keys_file = _resolve(parsed.keys_file, base)
    keys = [*parsed.keys, *_file_keys(keys_file)]
    _check(parsed, models, keys, source)
    return GatewayConfig(
        host=parsed.listen.host,
        port=parsed.listen.port,
        approval=parsed.approval,
        registry=parsed.registry,
        redis_url=parsed.redis_url,
        redis_prefix=parsed.redis_prefix,
        audit_sink=parsed.audit.sink,
        audit_path=_resolve(parsed.audit.path, base),
        audit_prompts=parsed.audit.include_prompts,
        audit_fsync=parsed.audit.fsync,
        limits=Limits(**parsed.limits.model_dump()),
        metrics_require_key=parsed.metrics.require_key,
        probe_interval_s=parsed.dependencies.probe_interval_s,
        retry_after_s=parsed.dependencies.retry_after_s,
        stream_hold_last_token=parsed.streaming.hold_last_token,
        models=models,
        safety_policy=_resolve(parsed.safety_policy, base),
        keys=tuple(_key(k) for k in keys),
        keys_file=keys_file,
        access_log=(
            parsed.access_log
            if parsed.access_log is None or str(parsed.access_log) == "-"
            else _resolve(parsed.access_log, base)
        ),
    )


def _file_keys(path: Path | None) -> list[KeyIn]:
    """The active keys of the key file, as if written under ``keys:``."""
    if path is None:
        return []
    from modelsteward.gateway.keystore import load_keys

    return [
        KeyIn(
            name=k.name,
            sha256=k.sha256,
            models=list(k.models),
            rpm=k.rpm,
            tpm=k.tpm,
            daily_tokens=k.daily_tokens,
        )
        for k in load_keys(path)
        if k.active
    ]


def _resolve(path: Path | None, base: Path) -> Path | None:
    if path is None:
        return None
    return path if path.is_absolute() else base / path


def _model(m: ModelIn, base: Path) -> ModelConfig:
    return ModelConfig(
        name=m.name,
        engine=m.engine,
        path=_resolve(m.path, base),
        urls=tuple(m.urls),
        upstream_model=m.upstream_model or m.name,
        files=tuple(sorted(m.files.items())),
        safety=m.safety,
        exposure=m.exposure,
        timeout_s=m.timeout_s,
        connect_timeout_s=m.connect_timeout_s,
        n_ctx=m.n_ctx,
        threads=m.threads,
    )


def _key(k: KeyIn) -> KeyConfig:
    return KeyConfig(
        name=k.name,
        sha256=k.sha256,
        models=frozenset(k.models),
        rpm=k.rpm,
        tpm=k.tpm,
        daily_tokens=k.daily_tokens,
        safety=k.safety,
    )


def _check(
    parsed: GatewayIn, models: tuple[ModelConfig, ...], keys: list[KeyIn], source: str
) -> None:
    names = [m.name for m in models]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{source}: duplicate model names: {', '.join(dupes)}", hint="rename")
    for model in models:
        _check_model(model, source)
    key_names = [k.name for k in keys]
    twice = sorted({n for n in key_names if key_names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"{source}: duplicate key names: {', '.join(twice)}",
            hint="a name in keys_file: must not repeat one under keys:",
        )
    for key in keys:
        unknown = sorted(set(key.models) - set(names) - {"*"})
        if unknown:
            raise ConfigError(
                f"{source}: key {key.name!r} allows unknown models: {', '.join(unknown)}",
                hint="list only models defined under models:",
            )
    if not keys and not is_loopback(parsed.listen.host):
        raise ConfigError(
            f"{source}: refusing to listen on {parsed.listen.host} without API keys",
            hint="add keys: or listen on 127.0.0.1",
        )


def _check_model(model: ModelConfig, source: str) -> None:
    where = f"{source}: model {model.name!r}"
    if model.engine is EngineKind.LLAMACPP:
        if model.path is None or model.urls:
            raise ConfigError(f"{where}: engine llamacpp needs path: and no urls:", hint="")
        if not model.path.is_file():
            raise ConfigError(f"{where}: GGUF file not found: {model.path}", hint="fix path:")
    elif not model.urls:
        raise ConfigError(f"{where}: engine openai needs urls:", hint="add the engine's /v1 URL")
    if model.exposure is Exposure.CUSTOMER_FACING and model.safety is not SafetyProfile.DEFAULT:
        raise ConfigError(
            f"{where}: a customer-facing model cannot be served without the safety layer",
            hint="set safety: default or exposure: internal",
        )
