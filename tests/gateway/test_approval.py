"""Only approved models are served: the real registry (SQLite) decides by exact file hashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from modelsteward.demo.gguf_model import write_tiny_llama_gguf
from modelsteward.engines import EmbeddedLlamaServer
from modelsteward.gateway.approval import RegistryApprover, VetApprover, model_files
from modelsteward.gateway.config import Approval
from modelsteward.gateway.state import Options
from modelsteward.registry import open_registry
from tests.gateway.conftest import STORIES, gateway_client, make_config

pytestmark = pytest.mark.anyio


def _approve(dsn: str, files: dict[str, str]) -> None:
    registry = open_registry(dsn)
    try:
        registry.add_model("stories", source="test", revision="1", files=files, actor="alice")
        registry.record_passport("stories", {}, "needs_review", ["security"], [], "alice")
        registry.request_approval("stories", "alice")
        registry.approve("stories", "security", "bob", "reviewed")
    finally:
        registry.close()


async def test_registry_approval_of_exact_hashes_decides(
    engine: EmbeddedLlamaServer, tmp_path: Path
) -> None:
    copy = tmp_path / "copy" / "stories260K.gguf"
    copy.parent.mkdir()
    shutil.copyfile(STORIES, copy)
    with copy.open("ab") as fh:
        fh.write(b"\0")  # same name, different bytes: must not ride on the approval
    dsn = f"sqlite:///{tmp_path / 'registry.db'}"
    url = f"{engine.base_url}/v1"
    models = [
        {"name": "approved", "engine": "openai", "urls": [url], "path": str(STORIES),
         "safety": "off"},
        {"name": "tampered", "engine": "openai", "urls": [url], "path": str(copy),
         "safety": "off"},
        {"name": "unhashed", "engine": "openai", "urls": [url], "safety": "off"},
    ]  # fmt: skip
    config = make_config(models)
    _approve(dsn, model_files(config.models[0]))
    options = Options(approver=RegistryApprover(dsn))
    chat = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    async with gateway_client(config, options) as client:
        ok = await client.post("/v1/chat/completions", json={**chat, "model": "approved"})
        bad = await client.post("/v1/chat/completions", json={**chat, "model": "tampered"})
        none = await client.post("/v1/chat/completions", json={**chat, "model": "unhashed"})
        listed = await client.get("/v1/models")
    assert ok.status_code == 200
    assert bad.status_code == 403
    assert "no registered model has these files" in bad.json()["error"]["message"]
    assert none.status_code == 403 and "no model files" in none.json()["error"]["message"]
    assert [m["id"] for m in listed.json()["data"]] == ["approved"]


def test_unreachable_registry_never_approves(tmp_path: Path) -> None:
    gguf = write_tiny_llama_gguf(tmp_path / "tiny.gguf")
    config = make_config(
        [{"name": "m", "engine": "openai", "urls": ["http://x/v1"], "path": str(gguf),
          "safety": "off"}]
    )  # fmt: skip
    status = RegistryApprover("nosuchdb://nowhere").check(config.models[0])
    assert not status.approved
    assert "registry" in status.reason


def test_auto_approval_without_a_path_is_refused() -> None:
    config = make_config([{"name": "m", "engine": "openai", "urls": ["http://x/v1"]}])
    status = VetApprover(Approval.AUTO).check(config.models[0])
    assert not status.approved and "path" in status.reason
