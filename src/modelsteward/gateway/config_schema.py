"""The gateway configuration file's schema: its sections and their defaults and bounds, as
validated input (``modelsteward.gateway.config`` resolves it into frozen values)."""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator


class EngineKind(enum.StrEnum):
    """How a model is served."""

    LLAMACPP = "llamacpp"
    """The embedded llama.cpp server for a local GGUF file."""
    OPENAI = "openai"
    """Any OpenAI-compatible URL (vLLM, Ollama, llama.cpp server, SGLang)."""


class SafetyProfile(enum.StrEnum):
    """Which guards run for a model (the stricter of the model's and the key's wins)."""

    OFF = "off"
    INPUT = "input"
    DEFAULT = "default"
    """Input guards and output guards, streams included."""

    @property
    def rank(self) -> int:
        """Strictness order."""
        return _RANK[self]

    def stricter(self, other: SafetyProfile | None) -> SafetyProfile:
        """The stricter of two profiles."""
        if other is None or other.rank <= self.rank:
            return self
        return other


_RANK = {SafetyProfile.OFF: 0, SafetyProfile.INPUT: 1, SafetyProfile.DEFAULT: 2}


class Exposure(enum.StrEnum):
    """Who reads a model's answers."""

    INTERNAL = "internal"
    CUSTOMER_FACING = "customer_facing"


class Approval(enum.StrEnum):
    """How the gateway decides that a model may be served."""

    REGISTRY = "registry"
    """The registry must hold an approval for the model's exact file hashes."""
    AUTO = "auto"
    """Vet the model at start-up; serve it only if the policy approves without review."""
    WARN = "warn"
    """Quick start: refuse critical scan findings, serve the rest with warnings printed."""


class AuditSink(enum.StrEnum):
    """Where audit records go."""

    JSONL = "jsonl"
    REGISTRY = "registry"
    NONE = "none"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListenIn(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class FsyncPolicy(enum.StrEnum):
    """When audit records are forced to stable storage (each is written to the file at once)."""

    NONE = "none"
    """Leave it to the operating system (a power loss may lose its last seconds)."""
    INTERVAL = "interval"
    """At most once a second, from a background thread (loses at most ~1 s on power loss)."""
    ALWAYS = "always"
    """After every record, on the request path (slowest; for low-volume, strict audits)."""


class AuditIn(_Strict):
    sink: AuditSink = AuditSink.JSONL
    path: Path | None = None
    include_prompts: bool = False
    fsync: FsyncPolicy = FsyncPolicy.INTERVAL


class LimitsIn(_Strict):
    max_body_bytes: int = Field(default=4 << 20, ge=1024)
    body_timeout_s: float = Field(default=30.0, gt=0)
    max_message_chars: int = Field(default=128 << 10, ge=1)
    max_prompt_chars: int = Field(default=512 << 10, ge=1)
    guard_budget_s: float = Field(default=10.0, gt=0)
    shutdown_grace_s: float = Field(default=30.0, ge=0)


class MetricsIn(_Strict):
    require_key: bool = True


class DependenciesIn(_Strict):
    probe_interval_s: float = Field(default=2.0, gt=0)
    retry_after_s: int = Field(default=5, ge=1)


class ModelIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    engine: EngineKind
    path: Path | None = None
    urls: list[str] = Field(default_factory=list)
    upstream_model: str | None = None
    files: dict[str, str] = Field(default_factory=dict)
    safety: SafetyProfile = SafetyProfile.DEFAULT
    exposure: Exposure = Exposure.INTERNAL
    timeout_s: float = Field(default=120.0, gt=0)
    connect_timeout_s: float = Field(default=2.0, gt=0)
    n_ctx: int = Field(default=2048, ge=64)
    threads: int | None = Field(default=None, ge=1)

    @field_validator("urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"engine URL must start with http:// or https://: {url}")
        return [u.rstrip("/") for u in urls]


class KeyIn(_Strict):
    name: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    models: list[str] = Field(default_factory=lambda: ["*"])
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    daily_tokens: int | None = Field(default=None, ge=1)
    safety: SafetyProfile | None = None


class StreamingIn(_Strict):
    hold_last_token: bool = False


class GatewayIn(_Strict):
    listen: ListenIn = Field(default_factory=ListenIn)
    streaming: StreamingIn = Field(default_factory=StreamingIn)
    approval: Approval = Approval.REGISTRY
    registry: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "modelsteward"
    audit: AuditIn = Field(default_factory=AuditIn)
    limits: LimitsIn = Field(default_factory=LimitsIn)
    metrics: MetricsIn = Field(default_factory=MetricsIn)
    dependencies: DependenciesIn = Field(default_factory=DependenciesIn)
    models: list[ModelIn] = Field(min_length=1)
    keys: list[KeyIn] = Field(default_factory=list)
    keys_file: Path | None = None
    access_log: Path | None = None
    safety_policy: Path | None = None
