"""Gateway fixtures: the real embedded engine (once per session), app builders, test doubles
at the seams (approver, a small deterministic safety layer)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelsteward.config import load_settings
from modelsteward.engines import EmbeddedLlamaServer
from modelsteward.gateway.app import create_app
from modelsteward.gateway.approval import ModelStatus
from modelsteward.gateway.audit import AuditRecord
from modelsteward.gateway.config import GatewayConfig, ModelConfig, hash_key, parse_gateway_config
from modelsteward.gateway.state import Options
from tests.shared import SHARED, STORIES, require

FAKE_UPSTREAM = SHARED / "bench" / "gateway" / "fake_upstream.py"
KEY = "sk-test-gateway"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def engine() -> Iterator[EmbeddedLlamaServer]:
    """stories260K served by the embedded llama.cpp engine for the whole session."""
    require(STORIES)
    with EmbeddedLlamaServer(STORIES, n_ctx=1024, threads=1, parallel=4, alias="stories") as s:
        yield s


class ApproveForTest:
    """Approves every model: stands in for the registry at the approval seam in tests."""

    def check(self, model: ModelConfig) -> ModelStatus:
        return ModelStatus(True, "approved for the test")


class RefuseForTest:
    """Refuses every model with a fixed reason."""

    def check(self, model: ModelConfig) -> ModelStatus:
        return ModelStatus(False, "no approval for these file hashes")


@dataclass(frozen=True)
class FakeVerdict:
    action: str
    categories: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    redacted: str | None = None


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_INJECTION = re.compile(r"ignore (all )?previous instructions", re.I)
_BAD_OUTPUT = "FORBIDDEN"


class FakeLayer:
    """A deterministic stand-in for the safety layer (unit level only): blocks injections
    and the word FORBIDDEN, redacts e-mail addresses."""

    def check_text(self, text: str, role: Any = "user") -> FakeVerdict:
        if _INJECTION.search(text):
            return FakeVerdict("block", ("prompt_injection",), ("safety.guard.prompt-injection",))
        if _BAD_OUTPUT in text:
            return FakeVerdict("block", ("harmful_output",), ("safety.guard.harmful-output",))
        if _EMAIL.search(text):
            return FakeVerdict(
                "redact", ("pii",), ("safety.guard.pii",), _EMAIL.sub("<EMAIL_ADDRESS>", text)
            )
        return FakeVerdict("allow")

    def check_messages(self, messages: list[dict[str, str]]) -> FakeVerdict:
        verdicts = [self.check_text(m["content"], m["role"]) for m in messages]
        for action in ("block", "redact"):
            for verdict in verdicts:
                if verdict.action == action:
                    return verdict
        return FakeVerdict("allow")


@dataclass
class FakeStep:
    released: str
    verdict: FakeVerdict | None = None


@dataclass
class FakeModerator:
    layer: FakeLayer
    window_chars: int
    held: str = ""
    seen: str = ""

    def feed(self, delta: str) -> FakeStep:
        self.seen += delta
        self.held += delta
        verdict = self.layer.check_text(self.seen, "assistant")
        if verdict.action == "block":
            return FakeStep("", verdict)
        if len(self.held) <= self.window_chars:
            return FakeStep("")
        out, self.held = self.held[: -self.window_chars], self.held[-self.window_chars :]
        return FakeStep(out)

    def finish(self) -> FakeStep:
        verdict = self.layer.check_text(self.seen, "assistant")
        if verdict.action == "block":
            return FakeStep("", verdict)
        out, self.held = self.held, ""
        return FakeStep(out)


@dataclass
class ListAudit:
    records: list[AuditRecord] = field(default_factory=list)

    def write(self, record: AuditRecord) -> None:
        self.records.append(record)

    def close(self) -> None:
        pass


def make_config(
    models: list[dict[str, Any]], *, keys: list[dict[str, Any]] | None = None, **top: Any
) -> GatewayConfig:
    """A gateway config; by default one key ``KEY`` allowed every model."""
    raw: dict[str, Any] = {
        "models": models,
        "keys": keys if keys is not None else [{"name": "team", "sha256": hash_key(KEY)}],
        "audit": {"sink": "none"},
        **top,
    }
    return parse_gateway_config(raw, base=Path("."))


@asynccontextmanager
async def gateway_client(
    config: GatewayConfig, options: Options | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the app in-process, with the lifespan running."""
    opts = options or Options()
    if opts.approver is None:
        opts.approver = ApproveForTest()
    opts.health_interval_s = 0
    app = create_app(load_settings(), config, opts)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://gateway",
            headers={"authorization": f"Bearer {KEY}"},
        ) as client:
            yield client
