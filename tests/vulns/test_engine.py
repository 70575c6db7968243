"""The serving engine as an inventory: the real embedded llama.cpp server, vLLM and Ollama
version endpoints served from 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from modelsteward.engines import EmbeddedLlamaServer
from modelsteward.engines.llamacpp import free_port
from modelsteward.vulns import Package, VulnError, inventory_from_engine
from modelsteward.vulns.engine import LLAMA_CPP, OLLAMA
from tests.shared import STORIES, require

GGUF = STORIES


def test_embedded_llama_cpp_server_is_identified() -> None:
    require(GGUF)
    with EmbeddedLlamaServer(GGUF, n_ctx=256, threads=1, parallel=1, embeddings=False) as server:
        url = server.base_url
        [package] = inventory_from_engine(url)
    assert package.name == LLAMA_CPP
    assert package.ecosystem == "GIT"
    assert package.version.startswith("b")
    assert package.source == url


def _serve(routes: dict[str, object]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = routes.get(self.path)
            payload = json.dumps(body if body is not None else {"error": "nf"}).encode()
            self.send_response(200 if body is not None else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def vllm() -> Iterator[str]:
    yield from _serve({"/version": {"version": "0.8.4"}, "/health": {}})


@pytest.fixture
def ollama() -> Iterator[str]:
    yield from _serve({"/api/version": {"version": "0.5.7"}})


@pytest.fixture
def unknown() -> Iterator[str]:
    yield from _serve({"/": {"hello": "world"}})


def test_vllm_version_endpoint(vllm: str) -> None:
    assert inventory_from_engine(vllm + "/") == [Package("vllm", "0.8.4", vllm)]


def test_ollama_version_endpoint(ollama: str) -> None:
    assert inventory_from_engine(ollama) == [Package(OLLAMA, "0.5.7", ollama, "Go")]


def test_unknown_server_is_an_error(unknown: str) -> None:
    with pytest.raises(VulnError) as info:
        inventory_from_engine(unknown)
    assert "no known version endpoint" in info.value.message


def test_unreachable_engine_is_an_error() -> None:
    with pytest.raises(VulnError) as info:
        inventory_from_engine(f"http://127.0.0.1:{free_port()}", timeout=1.0)
    assert "cannot reach" in info.value.message
    with pytest.raises(VulnError):
        inventory_from_engine("ftp://example.invalid")
