"""Keys and quotas: in-memory per process, and exact across two real gateway processes
sharing the real Redis (``MODELSTEWARD_TEST_REDIS_URL``)."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import httpx
import pytest

from modelsteward.gateway.config import KeyConfig, hash_key
from modelsteward.gateway.quotas import MemoryQuotas, RedisQuotas
from modelsteward.gateway.schemas import GatewayError
from tests.gateway.procs import approved_registry, fake_upstream, gateway_processes, write_config

pytestmark = pytest.mark.anyio
REDIS = os.environ.get("MODELSTEWARD_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="MODELSTEWARD_TEST_REDIS_URL is not set")
CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "hello"}]}


def _key(**limits: int) -> KeyConfig:
    return KeyConfig(name="k", sha256=uuid.uuid4().hex * 2, models=frozenset({"*"}), **limits)


async def test_memory_rpm_then_429_with_retry_after() -> None:
    quotas, key = MemoryQuotas(), _key(rpm=3)
    for _ in range(3):
        await quotas.admit(key)
    with pytest.raises(GatewayError) as info:
        await quotas.admit(key)
    assert info.value.status == 429
    assert 1 <= int(info.value.headers["retry-after"]) <= 60


async def test_memory_tpm_and_daily_budget() -> None:
    quotas = MemoryQuotas()
    tpm, daily = _key(tpm=10), _key(daily_tokens=5)
    await quotas.admit(tpm)
    await quotas.charge(tpm, 10)
    with pytest.raises(GatewayError, match="tokens per minute"):
        await quotas.admit(tpm)
    await quotas.admit(daily)
    await quotas.charge(daily, 6)
    with pytest.raises(GatewayError, match="daily token budget"):
        await quotas.admit(daily)
    await quotas.admit(_key())  # no limits: never refused


@needs_redis
async def test_redis_rpm_is_exact_under_concurrency() -> None:
    assert REDIS
    prefix = f"mstest-{uuid.uuid4().hex}"
    replicas = [RedisQuotas(REDIS, prefix=prefix) for _ in range(3)]
    key = _key(rpm=7)

    async def attempt(i: int) -> bool:
        try:
            await replicas[i % 3].admit(key)
        except GatewayError:
            return False
        return True

    try:
        results = await asyncio.gather(*(attempt(i) for i in range(30)))
        assert sum(results) == 7
        await replicas[0].charge(_key(tpm=1), 5)
    finally:
        for quotas in replicas:
            await quotas.close()


@needs_redis
def test_two_gateway_processes_share_limits_through_redis(tmp_path: Path) -> None:
    dsn = approved_registry(tmp_path)
    keys = [
        {"name": "rpm", "sha256": hash_key("sk-rpm"), "rpm": 5},
        {"name": "tpm", "sha256": hash_key("sk-tpm"), "tpm": 10},
        {"name": "other", "sha256": hash_key("sk-other"), "models": []},
    ]
    with fake_upstream() as upstream:
        config = write_config(
            tmp_path, upstream, dsn, keys=keys, redis_url=REDIS,
            redis_prefix=f"mstest-{uuid.uuid4().hex}",
        )  # fmt: skip
        with gateway_processes(config, tmp_path, 2) as [(one, _), (two, _)]:
            statuses = []
            for i in range(12):
                base = (one, two)[i % 2]
                response = httpx.post(
                    f"{base}/v1/chat/completions", json=CHAT,
                    headers={"authorization": "Bearer sk-rpm"}, timeout=10,
                )  # fmt: skip
                statuses.append(response.status_code)
                if response.status_code == 429:
                    assert int(response.headers["retry-after"]) >= 1
                    assert response.json()["error"]["type"] == "rate_limit_error"
            assert statuses.count(200) == 5 and statuses.count(429) == 7

            tpm = {"authorization": "Bearer sk-tpm"}
            first = httpx.post(f"{one}/v1/chat/completions", json=CHAT, headers=tpm, timeout=10)
            assert first.status_code == 200 and first.json()["usage"]["total_tokens"] >= 17
            second = httpx.post(f"{two}/v1/chat/completions", json=CHAT, headers=tpm, timeout=10)
            assert second.status_code == 429

            denied = httpx.post(
                f"{two}/v1/chat/completions", json=CHAT,
                headers={"authorization": "Bearer sk-other"}, timeout=10,
            )  # fmt: skip
            assert denied.status_code == 403
            metrics = httpx.get(
                f"{one}/metrics", headers={"authorization": "Bearer sk-rpm"}, timeout=10
            ).text
            assert (
                'modelsteward_requests_total{endpoint="chat",model="fake-model",status="200"}'
                in metrics
            )
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 15  # one record per request, from both processes
    assert "hello" not in "".join(lines)  # no prompt text unless enabled
