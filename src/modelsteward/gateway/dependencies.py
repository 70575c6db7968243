"""The services a gateway needs while it serves: Redis (shared quotas) and the registry.

While one of them is unreachable the gateway fails closed: every request it would need that
service for gets 503 in the OpenAI error shape with ``Retry-After``, an audit record is
written for it, and ``/readyz`` answers not ready naming the service. A background probe
(and any request that meets the failure) marks a service down; the probe marks it up again
as soon as it answers, so the gateway recovers by itself.

- Redis is needed when ``redis_url`` is set (quota admission and accounting).
- The registry is needed with ``approval: registry``: approvals were checked against it at
  start-up, and the gateway does not serve on approvals it can no longer confirm.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from modelsteward.gateway.schemas import GatewayError

log = logging.getLogger("modelsteward.gateway")

Probe = Callable[[], Awaitable[str]]
"""Returns "" when the service answers, else why not (never raises)."""

_WHAT = {"redis": "the quota store (Redis)", "registry": "the model registry database"}


class DependencyDown(Exception):
    """A service the request needed did not answer."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def unavailable(name: str, retry_after_s: int) -> GatewayError:
    """The 503 answer while ``name`` is unreachable."""
    return GatewayError(
        503,
        f"{_WHAT.get(name, name)} is unreachable, so this request cannot be served; "
        f"retry after {retry_after_s} s",
        code="dependency_unavailable",
        err_type="server_error",
        headers={"retry-after": str(retry_after_s)},
        extra={"dependency": name},
    )


class Dependencies:
    """Up/down state of the services the gateway needs, kept current by probes."""

    def __init__(self, probes: dict[str, Probe], *, retry_after_s: int = 5) -> None:
        self.probes = probes
        self.retry_after_s = retry_after_s
        self.down: dict[str, str] = {}
        """Service name -> why it is considered down."""
        self.checked = 0.0

    def check(self) -> None:
        """Raise the 503 when a needed service is down.

        Raises:
            GatewayError: 503 with ``Retry-After`` naming the first service that is down.
        """
        if self.down:
            raise unavailable(next(iter(self.down)), self.retry_after_s)

    def failed(self, exc: DependencyDown) -> GatewayError:
        """Mark the service of ``exc`` down and return the answer for the request."""
        self.mark_down(exc.name, exc.reason)
        return unavailable(exc.name, self.retry_after_s)

    def mark_down(self, name: str, reason: str) -> None:
        """Take ``name`` out until a probe finds it answering."""
        if name not in self.down:
            log.warning("%s is unreachable: %s", name, reason)
        self.down[name] = reason

    async def probe(self) -> dict[str, str]:
        """Probe every service now; return the ones that are down with the reason."""
        names = list(self.probes)
        results = await asyncio.gather(*(self.probes[n]() for n in names))
        for name, reason in zip(names, results, strict=True):
            if reason:
                self.mark_down(name, reason)
            elif self.down.pop(name, None) is not None:
                log.warning("%s is reachable again", name)
        self.checked = time.monotonic()
        return dict(self.down)

    async def loop(self, interval_s: float) -> None:
        """Probe every ``interval_s`` seconds until cancelled."""
        while True:
            await self.probe()
            await asyncio.sleep(interval_s)


def redis_probe(ping: Callable[[], Awaitable[bool]], timeout_s: float = 2.0) -> Probe:
    """A probe over an async ``ping``."""

    async def probe() -> str:
        try:
            async with asyncio.timeout(timeout_s):
                return "" if await ping() else "no answer to PING"
        except TimeoutError:
            return f"no answer to PING within {timeout_s:g} s"

    return probe


def registry_probe(dsn: str) -> Probe:
    """A probe that reads one row from the registry at ``dsn`` (in a worker thread)."""
    check = _sqlite_check(dsn) if dsn.startswith("sqlite:///") else _sql_check(dsn)

    async def probe() -> str:
        try:
            return await asyncio.wait_for(asyncio.to_thread(check), timeout=5.0)
        except TimeoutError:
            return "no answer within 5 s"

    return probe


def _sqlite_check(dsn: str) -> Callable[[], str]:
    path = Path(dsn.removeprefix("sqlite:///"))

    def check() -> str:
        # Read-only and without creating: a missing file is a lost database, not a new one.
        if not path.is_file():
            return f"the database file {path} is missing"
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            return f"cannot read {path}: {exc}"
        return ""

    return check


def _sql_check(dsn: str) -> Callable[[], str]:
    engine: list[Any] = []

    def check() -> str:
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import SQLAlchemyError

        from modelsteward.registry.store.sql import mask_dsn, normalize_dsn

        try:
            if not engine:
                engine.append(
                    create_engine(
                        normalize_dsn(dsn),
                        pool_pre_ping=True,
                        pool_size=1,
                        connect_args={"connect_timeout": 2},
                    )
                )
            with engine[0].connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            return f"cannot reach {mask_dsn(dsn)}: {type(cause).__name__}"
        except Exception as exc:
            return f"cannot reach {mask_dsn(dsn)}: {type(exc).__name__}"
        return ""

    return check
