"""The built-in table of base model families, and the Hub resolver against a local cache
layout and a loopback server in the Hub's layout."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from modelsteward.errors import StewardError
from modelsteward.licenses import HubResolver, LineageVia, builtin_family, load_kb

TABLE = [
    ("meta-llama/Llama-2-7b-hf", "llama2"),
    ("meta-llama/CodeLlama-7b-hf", "llama2"),
    ("meta-llama/Meta-Llama-3-8B-Instruct", "llama3"),
    ("meta-llama/Meta-Llama-3-70B", "llama3"),
    ("meta-llama/Llama-3.1-8B-Instruct", "llama3.1"),
    ("meta-llama/Meta-Llama-3.1-405B", "llama3.1"),
    ("meta-llama/Llama-3.2-11B-Vision-Instruct", "llama3.2"),
    ("meta-llama/Llama-3.3-70B-Instruct", "llama3.3"),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama4"),
    ("google/gemma-2-9b-it", "gemma"),
    ("google/gemma-3-27b-it", "gemma"),
    ("Qwen/Qwen-7B-Chat", "tongyi-qianwen"),
    ("Qwen/Qwen-1_8B", "tongyi-qianwen-research"),
    ("Qwen/Qwen1.5-14B-Chat", "tongyi-qianwen"),
    ("Qwen/Qwen2-7B-Instruct", "apache-2.0"),
    ("Qwen/Qwen2-72B-Instruct", "tongyi-qianwen"),
    ("Qwen/Qwen2.5-3B-Instruct", "qwen-research"),
    ("Qwen/Qwen2.5-72B-Instruct", "qwen"),
    ("Qwen/Qwen2.5-7B-Instruct", "apache-2.0"),
    ("Qwen/Qwen3-8B", "apache-2.0"),
    ("mistralai/Mistral-7B-Instruct-v0.2", "apache-2.0"),
    ("mistralai/Mixtral-8x7B-v0.1", "apache-2.0"),
    ("mistralai/Mistral-Large-Instruct-2407", "mrl"),
    ("deepseek-ai/deepseek-llm-7b-base", "deepseek"),
    ("deepseek-ai/DeepSeek-R1", "mit"),
    ("tiiuae/falcon-7b", "apache-2.0"),
    ("microsoft/Phi-3-mini-4k-instruct", "mit"),
    ("microsoft/phi-2", "mit"),
    ("bigscience/bloom-560m", "bigscience-bloom-rail-1.0"),
    ("bigcode/starcoder2-15b", "bigcode-openrail-m"),
    ("stabilityai/stable-diffusion-xl-base-1.0", "openrail++"),
    ("runwayml/stable-diffusion-v1-5", "creativeml-openrail-m"),
    ("nvidia/Nemotron-4-340B-Instruct", "nvidia-open-model-license"),
]


@pytest.mark.parametrize(("repo", "license_id"), TABLE, ids=[r for r, _ in TABLE])
def test_builtin_family_license(repo: str, license_id: str) -> None:
    family = builtin_family(repo)
    assert family is not None and family.license == license_id
    assert load_kb().get(license_id) is not None


def test_unknown_repo_has_no_builtin_family() -> None:
    assert builtin_family("someone/some-model") is None


CARD = "---\nlicense: other\nlicense_name: qwen\nbase_model: Qwen/Qwen2.5-72B\n---\n# card\n"


def _hub_cache(root: Path, repo: str, card: str) -> Path:
    """The layout huggingface_hub writes: blobs by etag, a snapshot link, refs/main."""
    repo_dir = root / f"models--{repo.replace('/', '--')}"
    revision = "0123456789abcdef0123456789abcdef01234567"
    blob = hashlib.sha256(card.encode()).hexdigest()
    (repo_dir / "blobs").mkdir(parents=True)
    (repo_dir / "blobs" / blob).write_text(card, encoding="utf-8")
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(revision, encoding="utf-8")
    snapshot = repo_dir / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (snapshot / "README.md").symlink_to(Path("../../blobs") / blob)
    return root


def test_hub_resolver_reads_the_local_cache(tmp_path: Path) -> None:
    cache = _hub_cache(tmp_path, "acme/qwen-tune", CARD)
    hub = HubResolver(cache_dir=cache, local_files_only=True)
    hit = hub.resolve("acme/qwen-tune")
    assert hit is not None
    assert (hit.license, hit.via, hit.base_models) == (
        "qwen",
        LineageVia.HUB,
        ("Qwen/Qwen2.5-72B",),
    )
    assert hub.resolve("acme/absent") is None


class _HubHandler(BaseHTTPRequestHandler):
    cards: ClassVar[dict[str, bytes]] = {}

    def _serve(self, body: bool) -> None:
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        repo = "/".join(parts[:2])
        content = self.cards.get(repo)
        if len(parts) < 5 or parts[2] != "resolve" or parts[4] != "README.md" or content is None:
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = hashlib.sha256(content).hexdigest()
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("ETag", f'"{etag}"')
        self.send_header("X-Repo-Commit", "89abcdef0123456789abcdef0123456789abcdef")
        self.end_headers()
        if body:
            self.wfile.write(content)

    def do_HEAD(self) -> None:
        self._serve(False)

    def do_GET(self) -> None:
        self._serve(True)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def hub_server() -> Iterator[str]:
    _HubHandler.cards = {"acme/llama-tune": b"---\nlicense: llama3.1\n---\n"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HubHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_hub_resolver_downloads_from_a_hub_endpoint(tmp_path: Path, hub_server: str) -> None:
    hub = HubResolver(endpoint=hub_server, cache_dir=tmp_path, token=False)
    hit = hub.resolve("acme/llama-tune")
    assert hit is not None and (hit.license, hit.via) == ("llama3.1", LineageVia.HUB)
    assert hub.resolve("acme/missing") is None
    offline = HubResolver(cache_dir=tmp_path, local_files_only=True)
    cached = offline.resolve("acme/llama-tune")
    assert cached is not None and cached.license == "llama3.1"


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_online_fails_fast_when_the_hub_cannot_be_reached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    from modelsteward.cli.main import run
    from modelsteward.demo import build_workspace

    ws = build_workspace(tmp_path / "ws")
    monkeypatch.setenv("MODELSTEWARD_HUB_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    assert run(["license", str(ws.finetune), "--online"]) == 2
    took = time.monotonic() - started
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: cannot reach the Hugging Face Hub at http://127.0.0.1:")
    assert err[1].startswith("hint: ") and "drop --online" in err[1]
    assert len(err) == 2 and took < 3.0
    monkeypatch.setenv("MODELSTEWARD_OFFLINE", "1")
    assert run(["license", str(ws.finetune), "--online"]) == 2
    assert "error: offline mode forbids --online" in capsys.readouterr().err


def test_the_probe_accepts_any_answer_and_times_out_on_silence(hub_server: str) -> None:
    from modelsteward.licenses.lineage import probe_hub

    assert probe_hub(hub_server) == hub_server  # a 404 still proves the Hub answers
    silent = ThreadingHTTPServer(("127.0.0.1", 0), _HubHandler)  # accepts, never answers
    try:
        with pytest.raises(StewardError, match=r"no answer within 0\.2 s"):
            probe_hub(f"http://127.0.0.1:{silent.server_address[1]}", timeout_s=0.2)
    finally:
        silent.server_close()
