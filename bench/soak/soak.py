"""Soak run: mixed requests against a real gateway while the engine and Redis restart.

Starts, all on loopback: a private ``redis-server`` on its own port, the llama.cpp engine
as its own process (``engine.py``, stories260K), and ``modelsteward serve`` in front of it
with Redis quotas. Then sends ``--requests`` requests at ``--concurrency`` (JSON and
streamed chat, completions, embeddings, and a few requests the gateway must refuse:
oversize prompts and ``text/plain`` bodies), kills and restarts the engine when a
quarter of them are done and Redis at 60%, and prints one JSON line:

- ``unexpected``: requests that got anything but their expected answer. Outside a fault
  window every request must succeed (200 with a complete body; streams end with
  ``[DONE]``), the refused ones must get exactly 400 ``prompt_too_large`` / 415. Inside
  the engine's restart window 502/504 are expected, inside Redis's 503 with
  ``Retry-After``; anything else (a 500, a reset connection, a truncated stream) is
  unexpected anywhere.
- latency p50/p99 of the successful requests, requests/s,
- the gateway's RSS and open file descriptors after warm-up and at the end.

Usage (from the peer venv with aiohttp; the gateway runs with ``--ms`` python)::

    flock -x /tmp/bench.lock /tmp/peers-gateway/bin/python bench/soak/soak.py \\
        --ms /work/main/.venv/bin/python --model ../shared/models/stories260K/stories260K.gguf
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
KEY = "sk-soak-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout_s: float = 120.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status < 500:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout_s:.0f} s")


def proc_stats(pid: int) -> dict[str, int]:
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return {"rss_kib": rss, "fds": len(os.listdir(f"/proc/{pid}/fd"))}


@dataclass
class World:
    """The processes of the run and the fault windows they went through."""

    ms: str
    model: Path
    work: Path
    redis_port: int = field(default_factory=free_port)
    engine_port: int = field(default_factory=free_port)
    gateway_port: int = field(default_factory=free_port)
    redis: subprocess.Popen[bytes] | None = None
    engine: subprocess.Popen[bytes] | None = None
    gateway: subprocess.Popen[bytes] | None = None
    windows: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {"engine": [], "redis": []}
    )

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            ["taskset", "-c", "0", "redis-server", "--port", str(self.redis_port), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), 0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(8).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def start_engine(self) -> None:
        for _ in range(5):  # the old engine's port may take a moment to be free again
            self.engine = subprocess.Popen(
                ["taskset", "-c", "0", self.ms, str(HERE / "engine.py"), str(self.model),
                 str(self.engine_port)],
                stdout=subprocess.PIPE, stderr=(self.work / "engine.log").open("ab"),
            )  # fmt: skip
            assert self.engine.stdout is not None
            if self.engine.stdout.readline().strip() == b"ready":
                return
            self.engine.wait()
            time.sleep(1.0)
        raise SystemExit("the engine did not start")

    def start_gateway(self) -> None:
        import hashlib

        config = {
            "approval": "warn",
            "redis_url": f"redis://127.0.0.1:{self.redis_port}/0",
            "redis_prefix": f"soak-{os.getpid()}",
            "audit": {"sink": "jsonl", "path": str(self.work / "audit.jsonl")},
            "limits": {"max_message_chars": 4000},
            "dependencies": {"probe_interval_s": 1, "retry_after_s": 2},
            "models": [{"name": "stories", "engine": "openai", "path": str(self.model),
                        "urls": [f"http://127.0.0.1:{self.engine_port}/v1"],
                        "safety": "off", "timeout_s": 30, "connect_timeout_s": 1}],
            "keys": [{"name": "soak", "sha256": hashlib.sha256(KEY.encode()).hexdigest(),
                      "rpm": 10_000_000, "tpm": 1_000_000_000}],
        }  # fmt: skip
        path = self.work / "gateway.yaml"
        path.write_text(json.dumps(config))  # JSON is YAML
        env = {**os.environ, "MODELSTEWARD_DATA_DIR": str(self.work)}
        self.gateway = subprocess.Popen(
            ["taskset", "-c", "1", self.ms, "-m", "modelsteward", "serve", "--config",
             str(path), "--port", str(self.gateway_port)],
            stdout=(self.work / "gateway.log").open("wb"), stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        wait_http(f"http://127.0.0.1:{self.gateway_port}/healthz", timeout_s=600)

    def restart_engine(self) -> None:
        assert self.engine is not None
        began = time.monotonic()
        self.engine.kill()  # a crash: llama.cpp's server can take long to stop on SIGTERM
        self.engine.wait()
        self.start_engine()
        self.windows["engine"].append((began, time.monotonic() + 3.0))

    def restart_redis(self) -> None:
        assert self.redis is not None
        began = time.monotonic()
        self.redis.kill()
        self.redis.wait()
        time.sleep(1.0)
        self.start_redis()
        self.windows["redis"].append((began, time.monotonic() + 3.0))

    def stop(self) -> None:
        for proc in (self.gateway, self.engine, self.redis):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def kind_of(i: int) -> str:
    slot = i % 20
    if slot < 8:
        return "chat-stream"
    if slot < 14:
        return "chat"
    if slot < 16:
        return "completion-stream" if slot == 14 else "completion"
    if slot < 18:
        return "embedding"
    return "oversize" if slot == 18 else "text-plain"


def request_for(kind: str) -> tuple[str, bytes, str]:
    chat = {"model": "stories", "max_tokens": 8,
            "messages": [{"role": "user", "content": "Once upon a time"}]}  # fmt: skip
    if kind == "chat-stream":
        return "/v1/chat/completions", json.dumps({**chat, "stream": True}).encode(), "json"
    if kind == "chat":
        return "/v1/chat/completions", json.dumps(chat).encode(), "json"
    if kind.startswith("completion"):
        body = {"model": "stories", "prompt": "Once upon", "max_tokens": 8,
                "stream": kind.endswith("stream")}  # fmt: skip
        return "/v1/completions", json.dumps(body).encode(), "json"
    if kind == "embedding":
        return "/v1/embeddings", json.dumps({"model": "stories", "input": "a cat"}).encode(), "json"
    if kind == "oversize":
        big = {**chat, "messages": [{"role": "user", "content": "x" * 5000}]}
        return "/v1/chat/completions", json.dumps(big).encode(), "json"
    return "/v1/chat/completions", json.dumps(chat).encode(), "text"


EXPECTED_REFUSAL = {
    "oversize": (400, "prompt_too_large"),
    "text-plain": (415, "unsupported_media_type"),
}


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int
    ok: bool
    detail: str = ""


async def one(session: aiohttp.ClientSession, base: str, i: int) -> Outcome:
    kind = kind_of(i)
    path, body, ctype = request_for(kind)
    headers = {"authorization": f"Bearer {KEY}",
               "content-type": "application/json" if ctype == "json" else "text/plain"}  # fmt: skip
    started = time.monotonic()
    try:
        async with session.post(base + path, data=body, headers=headers) as response:
            raw = await response.read()
            status = response.status
            retry_after = response.headers.get("retry-after")
    except Exception as exc:  # a reset or refused connection: never expected
        return Outcome(kind, started, time.monotonic(), 0, False, f"{type(exc).__name__}: {exc}")
    ended = time.monotonic()
    if kind in EXPECTED_REFUSAL:
        want_status, want_code = EXPECTED_REFUSAL[kind]
        ok = status == want_status and want_code.encode() in raw
        return Outcome(kind, started, ended, status, ok, raw[:200].decode("utf-8", "replace"))
    if status != 200:
        detail = raw[:300].decode("utf-8", "replace")
        if status == 503:
            detail += f" retry-after={retry_after}"
        return Outcome(kind, started, ended, status, False, detail)
    complete = raw.endswith(b"data: [DONE]\n\n") if "stream" in kind else raw.startswith(b"{")
    stopped = b'"error"' in raw
    return Outcome(
        kind,
        started,
        ended,
        status,
        complete and not stopped,
        "" if complete and not stopped else raw[-300:].decode("utf-8", "replace"),
    )


def in_window(outcome: Outcome, windows: list[tuple[float, float]]) -> bool:
    return any(outcome.started <= end and outcome.ended >= begin for begin, end in windows)


def unexpected(outcome: Outcome, world: World) -> bool:
    if outcome.ok:
        return False
    if outcome.status in (502, 504) or (outcome.status == 200 and "engine" in outcome.detail):
        return not in_window(outcome, world.windows["engine"])
    if outcome.status == 503 and "dependency_unavailable" in outcome.detail:
        told = "retry-after=2" in outcome.detail
        return not (in_window(outcome, world.windows["redis"]) and told)
    return True


async def drive(world: World, requests: int, concurrency: int, warmup: int) -> dict[str, object]:
    base = f"http://127.0.0.1:{world.gateway_port}"
    outcomes: list[Outcome] = []
    faults = {requests // 4: world.restart_engine, (requests * 3) // 5: world.restart_redis}
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Warm up at full concurrency, so both measurements see the same pools of
        # connections (client to gateway, gateway to engine and Redis).
        warm = iter(range(warmup))

        async def warm_worker() -> None:
            for i in warm:
                await one(session, base, i)

        await asyncio.gather(*(warm_worker() for _ in range(concurrency)))
        assert world.gateway is not None
        await asyncio.sleep(1.0)
        before = proc_stats(world.gateway.pid)
        counter = iter(range(requests))
        loop = asyncio.get_running_loop()
        started = time.monotonic()

        async def worker() -> None:
            for i in counter:
                if i in faults:
                    await loop.run_in_executor(None, faults[i])
                outcomes.append(await one(session, base, i))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.monotonic() - started
        await asyncio.sleep(1.0)
        after = proc_stats(world.gateway.pid)
    bad = [o for o in outcomes if unexpected(o, world)]
    lat = sorted((o.ended - o.started) * 1000 for o in outcomes if o.ok and o.status == 200)
    by_status: dict[str, int] = {}
    for o in outcomes:
        by_status[str(o.status)] = by_status.get(str(o.status), 0) + 1
    return {
        "requests": len(outcomes),
        "concurrency": concurrency,
        "unexpected": len(bad),
        "unexpected_examples": [f"{o.kind} {o.status} {o.detail[:160]}" for o in bad[:10]],
        "statuses": by_status,
        "expected_fault_errors": sum(
            1
            for o in outcomes
            if not o.ok and not unexpected(o, world) and o.kind not in EXPECTED_REFUSAL
        ),
        "fault_windows_s": {k: [round(e - b, 1) for b, e in v] for k, v in world.windows.items()},
        "latency_ms": {
            "p50": round(statistics.median(lat), 2),
            "p99": round(lat[int(len(lat) * 0.99)], 2),
        },
        "rps": round(len(outcomes) / wall, 1),
        "wall_s": round(wall, 1),
        "gateway_before": before,
        "gateway_after": after,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ms", default=str(Path(sys.prefix) / "bin" / "python"))
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=300)
    args = ap.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is needed")
    work = Path(tempfile.mkdtemp(prefix="ms-soak-"))
    world = World(ms=args.ms, model=args.model.resolve(), work=work)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        world.start_redis()
        world.start_engine()
        world.start_gateway()
        result = asyncio.run(drive(world, args.requests, args.concurrency, args.warmup))
    finally:
        world.stop()
    result["env"] = f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f} at the end"
    result["audit_records"] = sum(1 for _ in (work / "audit.jsonl").open("rb"))
    print(json.dumps(result), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
