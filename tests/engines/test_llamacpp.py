"""The embedded llama.cpp engine, against the real stories260K GGUF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelsteward.engines import EmbeddedLlamaServer, EngineError
from tests.shared import STORIES, require

GGUF = STORIES


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedLlamaServer]:
    require(GGUF)
    with EmbeddedLlamaServer(GGUF, n_ctx=512, threads=1, parallel=2) as server:
        yield server


def test_engine_answers_health_chat_and_embeddings(engine: EmbeddedLlamaServer) -> None:
    assert httpx.get(f"{engine.base_url}/health").status_code == 200
    chat = httpx.post(
        f"{engine.base_url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4},
    )
    assert chat.status_code == 200
    assert chat.json()["usage"]["completion_tokens"] > 0
    emb = httpx.post(f"{engine.base_url}/v1/embeddings", json={"input": "hi"})
    assert emb.status_code == 200
    assert len(emb.json()["data"][0]["embedding"]) > 0


def test_stopped_engine_refuses_base_url(tmp_path: Path) -> None:
    server = EmbeddedLlamaServer(GGUF)
    with pytest.raises(EngineError):
        _ = server.base_url


def test_missing_file_is_an_engine_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="not found"):
        EmbeddedLlamaServer(tmp_path / "absent.gguf").start()


def test_garbage_file_is_an_engine_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf at all")
    with pytest.raises(EngineError, match="could not load"):
        EmbeddedLlamaServer(bad, startup_timeout_s=5).start()
