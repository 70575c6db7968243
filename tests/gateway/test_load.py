"""A bounded load test on loopback: zero errors and flat memory in a real gateway process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from modelsteward.gateway.config import hash_key
from tests.gateway.procs import (
    approved_registry,
    fake_upstream,
    gateway_processes,
    rss_kib,
    write_config,
)

CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "hello"}]}


async def _burst(base: str, requests: int, concurrency: int) -> list[int]:
    statuses: list[int] = []
    remaining = requests
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=20,
        headers={"authorization": "Bearer sk-load"},
    ) as client:  # fmt: skip

        async def worker(i: int) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                body = {**CHAT, "stream": True} if remaining % 4 == 0 else CHAT
                response = await client.post("/v1/chat/completions", json=body)
                if body.get("stream") and not response.text.endswith("data: [DONE]\n\n"):
                    statuses.append(599)
                else:
                    statuses.append(response.status_code)

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return statuses


@pytest.mark.slow
def test_load_zero_errors_and_flat_memory(tmp_path: Path) -> None:
    dsn = approved_registry(tmp_path)
    keys = [{"name": "load", "sha256": hash_key("sk-load")}]
    with fake_upstream() as upstream:
        config = write_config(tmp_path, upstream, dsn, keys=keys)
        with gateway_processes(config, tmp_path) as [(base, pid)]:
            warm = asyncio.run(_burst(base, 300, 8))
            before = rss_kib(pid)
            statuses = asyncio.run(_burst(base, 900, 8))
            after = rss_kib(pid)
    assert set(warm) == {200}
    assert len(statuses) == 900 and set(statuses) == {200}
    assert after - before < 12 * 1024, f"RSS grew from {before} to {after} KiB"
