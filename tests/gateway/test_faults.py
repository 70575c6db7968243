"""Fault injection against real processes on loopback: Redis stopped and started again (a
private ``redis-server`` on its own port, never the shared one), the registry database taken
away and given back, the engine stalled and killed, oversize and slow bodies, and SIGTERM
while streams are in flight."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from modelsteward.engines.llamacpp import free_port
from modelsteward.gateway.config import hash_key
from tests.gateway.procs import (
    approved_registry,
    fake_upstream_process,
    gateway_processes,
    write_config,
)

pytestmark = pytest.mark.slow
CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "hello"}]}
KEYS = [{"name": "faults", "sha256": hash_key("sk-faults"), "rpm": 100000}]
AUTH = {"authorization": "Bearer sk-faults"}
FAST = {"probe_interval_s": 0.2, "retry_after_s": 3}


def _post(base: str, body: dict[str, Any] | None = None, timeout: float = 10) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/chat/completions", json=body or CHAT, headers=AUTH, timeout=timeout
    )


def _until(check: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _records(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


class PrivateRedis:
    """A throwaway ``redis-server`` on a free loopback port, stopped and started by the test."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert _until(self._answers), "private redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def test_redis_outage_is_a_503_with_retry_after_and_recovers_by_itself(tmp_path: Path) -> None:
    redis = PrivateRedis()
    redis.start()
    try:
        dsn = approved_registry(tmp_path)
        with fake_upstream_process() as (upstream, _):
            config = write_config(
                tmp_path, upstream, dsn, keys=KEYS, redis_url=redis.url, dependencies=FAST
            )
            with gateway_processes(config, tmp_path) as [(base, _)]:
                assert _post(base).status_code == 200
                redis.stop()
                down = _post(base)
                ready = httpx.get(f"{base}/readyz", timeout=10)
                redis.start()
                assert _until(lambda: _post(base).status_code == 200)
                back = httpx.get(f"{base}/readyz", timeout=10)
    finally:
        redis.stop()
    assert down.status_code == 503
    assert down.headers["retry-after"] == "3"
    error = down.json()["error"]
    assert error["code"] == "dependency_unavailable" and error["dependency"] == "redis"
    assert ready.status_code == 503 and ready.json()["unavailable"] == ["redis"]
    assert back.status_code == 200 and back.json()["status"] == "ready"
    refused = [r for r in _records(tmp_path / "audit.jsonl") if r["status"] == 503]
    assert refused and all(r["model"] == "fake-model" for r in refused)
    assert all(r["error"] == "dependency_unavailable" for r in refused)


def test_registry_loss_fails_closed_and_recovers(tmp_path: Path) -> None:
    dsn = approved_registry(tmp_path)
    db = tmp_path / "registry.db"
    with fake_upstream_process() as (upstream, _):
        config = write_config(tmp_path, upstream, dsn, keys=KEYS, dependencies=FAST)
        with gateway_processes(config, tmp_path) as [(base, _)]:
            assert _post(base).status_code == 200
            db.rename(tmp_path / "moved.db")
            assert _until(lambda: _post(base).status_code == 503)
            down = _post(base)
            ready = httpx.get(f"{base}/readyz", headers=AUTH, timeout=10)
            (tmp_path / "moved.db").rename(db)
            assert _until(lambda: _post(base).status_code == 200)
    assert down.json()["error"]["dependency"] == "registry"
    assert down.headers["retry-after"] == "3"
    assert ready.status_code == 503 and ready.json()["unavailable"] == ["registry"]
    assert "missing" in ready.json()["dependencies"]["registry"]


def test_a_stalled_engine_times_out_and_a_killed_one_fails_fast(tmp_path: Path) -> None:
    dsn = approved_registry(tmp_path)
    with fake_upstream_process() as (upstream, pid):
        config = write_config(tmp_path, upstream, dsn, keys=KEYS)
        text = config.read_text().replace("timeout_s: 10", "timeout_s: 1")
        config.write_text(text)
        with gateway_processes(config, tmp_path) as [(base, _)]:
            assert _post(base).status_code == 200
            os.kill(pid, signal.SIGSTOP)
            try:
                result: dict[str, Any] = {}
                stalled = threading.Thread(target=lambda: result.update(r=_post(base)))
                started = time.monotonic()
                stalled.start()
                time.sleep(0.2)
                health_t = time.monotonic()
                health = httpx.get(f"{base}/healthz", timeout=5)
                health_ms = (time.monotonic() - health_t) * 1000
                stalled.join()
                stall_s = time.monotonic() - started
            finally:
                os.kill(pid, signal.SIGCONT)
            assert _post(base).status_code == 200
            os.kill(pid, signal.SIGKILL)
            killed_t = time.monotonic()
            killed = _post(base)
            killed_s = time.monotonic() - killed_t
    assert (
        result["r"].status_code == 504 and result["r"].json()["error"]["code"] == "engine_timeout"
    )
    assert stall_s < 5
    assert health.status_code == 200 and health_ms < 1000  # not waiting on the stalled engine
    assert killed.status_code == 502 and killed.json()["error"]["code"] == "engine_error"
    assert killed_s < 3


def _raw(port: int, head: bytes, body: bytes, pause_s: float = 0.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body)
        if pause_s:
            time.sleep(pause_s)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)


def test_oversize_and_slow_bodies_are_refused_without_stalling_others(tmp_path: Path) -> None:
    dsn = approved_registry(tmp_path)
    with fake_upstream_process() as (upstream, _):
        config = write_config(
            tmp_path, upstream, dsn, keys=KEYS,
            limits={"max_body_bytes": 1 << 20, "body_timeout_s": 1.5},
        )  # fmt: skip
        with gateway_processes(config, tmp_path) as [(base, _)]:
            port = int(base.rsplit(":", 1)[1])
            head = (
                b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n"
                b"authorization: Bearer sk-faults\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\n\r\n"
            )
            started = time.monotonic()
            big = _raw(port, head % (100 << 20), b"x" * 65536)
            big_s = time.monotonic() - started
            slow: dict[str, bytes] = {}
            trickle = threading.Thread(
                target=lambda: slow.update(r=_raw(port, head % 1000, b'{"model": "fake'))
            )
            trickle.start()
            time.sleep(0.2)
            others = [_post(base).status_code for _ in range(5)]
            trickle.join()
    assert big.startswith(b"HTTP/1.1 413 ")
    assert b'"code":"request_too_large"' in big and big_s < 2
    assert others == [200] * 5
    assert slow["r"].startswith(b"HTTP/1.1 408 ")
    assert b'"code":"request_timeout"' in slow["r"]


def test_sigterm_drains_streams_in_flight_then_exits(tmp_path: Path) -> None:
    dsn = approved_registry(tmp_path)
    with fake_upstream_process(tokens=40, token_ms=25) as (upstream, _):  # streams of about 1 s
        config = write_config(tmp_path, upstream, dsn, keys=KEYS, limits={"shutdown_grace_s": 10})
        with gateway_processes(config, tmp_path) as [(base, pid)]:
            results: list[tuple[int, str]] = []
            started = threading.Barrier(9)

            def stream() -> None:
                body = {**CHAT, "stream": True}
                with httpx.stream(
                    "POST", f"{base}/v1/chat/completions", json=body, headers=AUTH, timeout=20
                ) as response:
                    parts = []
                    for i, part in enumerate(response.iter_text()):
                        if i == 0:
                            started.wait()
                        parts.append(part)
                    results.append((response.status_code, "".join(parts)))

            threads = [threading.Thread(target=stream) for _ in range(8)]
            for thread in threads:
                thread.start()
            started.wait()
            term = time.monotonic()
            os.kill(pid, signal.SIGTERM)
            time.sleep(0.3)
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{base}/healthz", timeout=2)
            for thread in threads:
                thread.join()
            assert _until(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 15)
            exit_s = time.monotonic() - term
    assert len(results) == 8
    assert all(status == 200 and text.endswith("data: [DONE]\n\n") for status, text in results)
    assert all('"finish_reason":"stop"' in text for _, text in results)
    assert exit_s < 10
    assert len([r for r in _records(tmp_path / "audit.jsonl") if r["stream"]]) == 8


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
