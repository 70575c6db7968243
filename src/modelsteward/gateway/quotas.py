"""Requests-per-minute, tokens-per-minute and daily token budgets per API key.

With Redis the counters are shared: every check-and-admit is one Lua script that reads the
server clock, so the limits hold exactly across any number of gateway replicas. Without
Redis they live in the process and hold per process only.

- RPM is a sliding 60-second log of admitted requests.
- TPM counts tokens charged in the current clock minute; a key at its limit waits for the
  next minute.
- The daily budget counts tokens charged in the current UTC day.
"""

from __future__ import annotations

import collections
import math
import secrets
import time
from typing import Any, Protocol

from modelsteward.gateway.config import KeyConfig
from modelsteward.gateway.dependencies import DependencyDown
from modelsteward.gateway.schemas import GatewayError


def quota_error(reason: str, retry_after_s: float) -> GatewayError:
    """The 429 answer, with ``Retry-After`` in whole seconds."""
    seconds = max(1, math.ceil(retry_after_s))
    return GatewayError(
        429,
        f"quota exceeded: {reason}; retry after {seconds} s",
        code="rate_limit_exceeded",
        err_type="rate_limit_error",
        headers={"retry-after": str(seconds)},
    )


class Quotas(Protocol):
    """Admission and accounting for keys with limits."""

    async def admit(self, key: KeyConfig) -> None:
        """Count one request against ``key``.

        Raises:
            GatewayError: 429 with ``Retry-After`` when a limit is reached.
        """
        ...

    async def charge(self, key: KeyConfig, tokens: int) -> None:
        """Add the tokens a finished request used."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def _limited(key: KeyConfig) -> bool:
    return bool(key.rpm or key.tpm or key.daily_tokens)


class MemoryQuotas:
    """Quotas held in this process (each replica counts on its own)."""

    def __init__(self) -> None:
        self._log: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._minute: dict[str, tuple[int, int]] = {}
        self._day: dict[str, tuple[int, int]] = {}

    async def admit(self, key: KeyConfig) -> None:
        """See :meth:`Quotas.admit`."""
        if not _limited(key):
            return
        now = time.time()
        if key.daily_tokens and self._used(self._day, key, int(now // 86400)) >= key.daily_tokens:
            raise quota_error("daily token budget used up", 86400 - now % 86400)
        if key.tpm and self._used(self._minute, key, int(now // 60)) >= key.tpm:
            raise quota_error("tokens per minute", 60 - now % 60)
        if key.rpm:
            log = self._log[key.sha256]
            while log and log[0] <= now - 60:
                log.popleft()
            if len(log) >= key.rpm:
                raise quota_error("requests per minute", log[0] + 60 - now)
            log.append(now)

    async def charge(self, key: KeyConfig, tokens: int) -> None:
        """See :meth:`Quotas.charge`."""
        if tokens <= 0 or not (key.tpm or key.daily_tokens):
            return
        now = time.time()
        for table, window in ((self._minute, int(now // 60)), (self._day, int(now // 86400))):
            used = self._used(table, key, window)
            table[key.sha256] = (window, used + tokens)

    @staticmethod
    def _used(table: dict[str, tuple[int, int]], key: KeyConfig, window: int) -> int:
        stored = table.get(key.sha256)
        return stored[1] if stored and stored[0] == window else 0

    async def close(self) -> None:
        """Nothing to release."""


# KEYS: rpm log, tpm prefix, day prefix. ARGV: rpm, tpm, daily, member suffix.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, daily = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if daily > 0 then
  local used = tonumber(redis.call('GET', KEYS[3] .. ':' .. math.floor(now / 86400000)) or '0')
  if used >= daily then return {0, 86400000 - now % 86400000, 'daily'} end
end
if tpm > 0 then
  local used = tonumber(redis.call('GET', KEYS[2] .. ':' .. math.floor(now / 60000)) or '0')
  if used >= tpm then return {0, 60000 - now % 60000, 'tpm'} end
end
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
  if redis.call('ZCARD', KEYS[1]) >= rpm then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, tonumber(oldest[2]) + 60000 - now, 'rpm'}
  end
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], 61000)
end
return {1, 0, ''}
"""

_CHARGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local m = KEYS[1] .. ':' .. math.floor(now / 60000)
local d = KEYS[2] .. ':' .. math.floor(now / 86400000)
redis.call('INCRBY', m, n)
redis.call('PEXPIRE', m, 120000)
redis.call('INCRBY', d, n)
redis.call('PEXPIRE', d, 172800000)
return 1
"""

_REASONS = {
    "daily": "daily token budget used up",
    "tpm": "tokens per minute",
    "rpm": "requests per minute",
}


class RedisQuotas:
    """Quotas shared by all replicas through one Redis.

    Redis errors surface at once as :class:`DependencyDown` (one immediate retry covers a
    pooled connection that a Redis restart left stale; no backoff), so an outage turns into
    503 answers instead of requests waiting on reconnects.
    """

    def __init__(self, url: str, *, prefix: str = "modelsteward", timeout_s: float = 2.0) -> None:
        from redis import asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        self._errors = (RedisConnectionError, RedisTimeoutError, OSError)

        self._redis: Any = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
            retry=Retry(NoBackoff(), 1),
        )
        self._prefix = prefix
        self._admit = self._redis.register_script(_ADMIT)
        self._charge = self._redis.register_script(_CHARGE)
        self._seq = 0
        self._tag = secrets.token_hex(6)

    def _keys(self, key: KeyConfig) -> list[str]:
        base = f"{self._prefix}:quota:{key.sha256[:32]}"
        return [f"{base}:rpm", f"{base}:tpm", f"{base}:day"]

    async def admit(self, key: KeyConfig) -> None:
        """See :meth:`Quotas.admit`."""
        if not _limited(key):
            return
        self._seq += 1
        member = f"{self._tag}:{self._seq}"
        args: list[int | str] = [key.rpm or 0, key.tpm or 0, key.daily_tokens or 0, member]
        try:
            allowed, retry_ms, reason = await self._admit(keys=self._keys(key), args=args)
        except self._errors as exc:
            raise DependencyDown("redis", _why(exc)) from exc
        if not int(allowed):
            text = reason.decode() if isinstance(reason, bytes) else str(reason)
            raise quota_error(_REASONS.get(text, text), int(retry_ms) / 1000)

    async def charge(self, key: KeyConfig, tokens: int) -> None:
        """See :meth:`Quotas.charge`."""
        if tokens <= 0 or not (key.tpm or key.daily_tokens):
            return
        try:
            await self._charge(keys=self._keys(key)[1:], args=[tokens])
        except self._errors as exc:
            raise DependencyDown("redis", _why(exc)) from exc

    async def ping(self) -> bool:
        """Whether Redis answers."""
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
