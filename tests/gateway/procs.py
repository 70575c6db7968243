"""Real processes on loopback for gateway tests: the shared fake upstream and
``modelsteward serve --config`` with a real SQLite registry approving the model."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from modelsteward.engines.llamacpp import free_port
from modelsteward.registry import open_registry
from tests.gateway.conftest import FAKE_UPSTREAM
from tests.shared import require

FAKE_FILES = {"weights.bin": hashlib.sha256(b"fake upstream weights").hexdigest()}


def _wait(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"process exited with {proc.returncode}: {out[-2000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


@contextmanager
def running_all(
    cmds: list[list[str]], ready_urls: list[str], env: dict[str, str] | None = None
) -> Iterator[list[int]]:
    """Start every command at once; yield their pids once every ready URL answers."""
    procs = [
        subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        for cmd in cmds
    ]
    try:
        for url, proc in zip(ready_urls, procs, strict=True):
            _wait(url, proc)
        yield [p.pid for p in procs]
    finally:
        for proc in procs:
            _stop(proc)


@contextmanager
def running(cmd: list[str], ready_url: str, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run ``cmd`` until the block ends; yield its pid once ``ready_url`` answers."""
    with running_all([cmd], [ready_url], env) as pids:
        yield pids[0]


@contextmanager
def fake_upstream(tokens: int = 16, token_ms: float = 0.0) -> Iterator[str]:
    """The shared fake OpenAI upstream; yields its ``/v1`` base URL."""
    with fake_upstream_process(tokens, token_ms) as (url, _):
        yield url


@contextmanager
def fake_upstream_process(tokens: int = 16, token_ms: float = 0.0) -> Iterator[tuple[str, int]]:
    """The shared fake OpenAI upstream; yields its ``/v1`` base URL and its pid."""
    require(FAKE_UPSTREAM)
    port = free_port()
    cmd = [sys.executable, str(FAKE_UPSTREAM), "--port", str(port), "--tokens", str(tokens),
           "--token-ms", str(token_ms)]  # fmt: skip
    with running(cmd, f"http://127.0.0.1:{port}/v1/models") as pid:
        yield f"http://127.0.0.1:{port}/v1", pid


def approved_registry(tmp_path: Path) -> str:
    """A SQLite registry in which the fake upstream's declared files are approved."""
    dsn = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = open_registry(dsn)
    try:
        registry.add_model("fake", source="test", revision="1", files=FAKE_FILES, actor="alice")
        registry.record_passport("fake", {}, "needs_review", ["security"], [], "alice")
        registry.request_approval("fake", "alice")
        registry.approve("fake", "security", "bob", "reviewed")
    finally:
        registry.close()
    return dsn


def write_config(tmp_path: Path, upstream: str, dsn: str, **top: Any) -> Path:
    """A gateway YAML serving ``fake-model`` from ``upstream``."""
    config = {
        "registry": dsn,
        "audit": {"sink": "jsonl", "path": str(tmp_path / "audit.jsonl")},
        "models": [{"name": "fake-model", "engine": "openai", "urls": [upstream],
                    "files": FAKE_FILES, "safety": "off", "timeout_s": 10}],
        **top,
    }  # fmt: skip
    path = tmp_path / f"gateway-{len(list(tmp_path.glob('gateway-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def gateway_processes(config: Path, data_dir: Path, n: int = 1) -> Iterator[list[tuple[str, int]]]:
    """``n`` processes of ``modelsteward serve --config``; yields (base URL, pid) of each."""
    ports = [free_port() for _ in range(n)]
    cmds = [
        [sys.executable, "-m", "modelsteward", "serve", "--config", str(config), "--port", str(p)]
        for p in ports
    ]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    env = {"MODELSTEWARD_DATA_DIR": str(data_dir)}
    with running_all(cmds, [u + "/healthz" for u in urls], env) as pids:
        yield list(zip(urls, pids, strict=True))


def rss_kib(pid: int) -> int:
    """Resident memory of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")
