"""Registry benchmark: list 10,000 models and verify 100,000 audit entries.

Usage:
    .venv/bin/python bench/registry/bench_registry.py \
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--models 10000] [--entries 100000]

The fixture rows are bulk-inserted (building them is not what is measured); the timed
calls are ``RegistryService.list_models(limit=N)`` and ``RegistryService.audit_verify()``,
each the median of several warm runs on a freshly opened registry.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert, update

from modelsteward.registry import RegistryService, open_registry
from modelsteward.registry.audit import GENESIS, chain_entry
from modelsteward.registry.store.sql import SqlStore
from modelsteward.registry.store.tables import AuditHeadRow, AuditRow, ModelFileRow, ModelRow

_BATCH = 5_000


def _seed_models(store: SqlStore, n: int) -> None:
    now = "2026-11-27T00:00:00.000000Z"
    rows = []
    files = []
    for i in range(n):
        digest = hashlib.sha256(f"m{i}".encode()).hexdigest()
        rows.append(
            {
                "id": i + 1,
                "name": f"org/model-{i:05d}",
                "source": f"/models/model-{i:05d}",
                "revision": "main",
                "manifest_digest": digest,
                "file_count": 1,
                "status": "approved" if i % 3 else "needs_review",
                "created_at": now,
                "updated_at": now,
            }
        )
        files.append({"model_id": i + 1, "relpath": "model.safetensors", "sha256": digest})
    with store.engine.begin() as conn:
        for start in range(0, n, _BATCH):
            conn.execute(insert(ModelRow), rows[start : start + _BATCH])
            conn.execute(insert(ModelFileRow), files[start : start + _BATCH])


def _seed_audit(store: SqlStore, n: int) -> None:
    prev = GENESIS
    rows = []
    for seq in range(1, n + 1):
        entry = chain_entry(
            prev_hash=prev,
            seq=seq,
            ts="2026-11-27T00:00:00.000000Z",
            actor=f"user{seq % 17}",
            action="approval.signed",
            payload={"model_id": seq % 10_000, "role": "legal", "reason": "license reviewed"},
        )
        rows.append(
            {
                "seq": entry.seq,
                "ts": entry.ts,
                "actor": entry.actor,
                "action": entry.action,
                "payload": entry.payload,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
        )
        prev = entry.hash
    with store.engine.begin() as conn:
        for start in range(0, n, _BATCH):
            conn.execute(insert(AuditRow), rows[start : start + _BATCH])
        conn.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=n, hash=prev))


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``runs`` warm calls."""
    fn()  # warm the connection pool and caches
    wall = []
    cpu = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def bench(label: str, dsn: str, models: int, entries: int) -> None:
    """Seed a registry at ``dsn`` and print the timings."""
    seed = open_registry(dsn)
    assert isinstance(seed.store, SqlStore)
    _seed_models(seed.store, models)
    _seed_audit(seed.store, entries)
    seed.close()
    service: RegistryService = open_registry(dsn)
    try:
        listed = service.list_models(limit=models)
        assert len(listed) == models
        list_ms = _median_ms(lambda: service.list_models(limit=models), runs=7)
        result = service.audit_verify()
        assert result.ok and result.count == entries, result
        verify_ms = _median_ms(service.audit_verify, runs=3)
    finally:
        service.close()
    print(f"| {label} | list {models:,} models | {list_ms[0]:.0f} ms | {list_ms[1]:.0f} ms |")
    print(
        f"| {label} | verify {entries:,} audit entries | {verify_ms[0]:.0f} ms "
        f"| {verify_ms[1]:.0f} ms |"
    )


def main() -> None:
    """Run the benchmark on SQLite and, when given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="PostgreSQL DSN (a scratch schema is used)")
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| backend | operation | median wall | median CPU (this process) |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite (WAL)", f"sqlite:///{Path(tmp) / 'bench.db'}", args.models, args.entries)
    if args.postgres:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            sep = "&" if "?" in args.postgres else "?"
            dsn = f"{args.postgres}{sep}options={quote(f'-csearch_path={schema}')}"
            bench("PostgreSQL 15", dsn, args.models, args.entries)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
