"""Several processes writing at once lose nothing and never fork the chain; a writer killed
mid-transaction leaves the store consistent."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

from modelsteward.registry import RegistryService
from tests.registry.conftest import manifest
from tests.registry.workers import (
    hang_in_transaction,
    open_and_add,
    sign_legal,
    vet_and_approve,
    write_forever,
)

# fork: the children import nothing again and each opens its own engine (none is shared).
_CTX = mp.get_context("fork")
WORKERS = 4
PER_WORKER = 5


def _run(target: object, *args: object) -> mp.process.BaseProcess:
    proc = _CTX.Process(target=target, args=args)  # type: ignore[attr-defined]
    proc.start()
    return proc


def test_parallel_writers_lose_nothing_and_keep_the_chain(
    registry: RegistryService, dsn: str
) -> None:
    procs = [_run(vet_and_approve, dsn, w, PER_WORKER) for w in range(WORKERS)]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    assert registry.count_models() == WORKERS * PER_WORKER
    assert all(m.status.value == "approved" for m in registry.list_models(limit=1000))
    result = registry.audit_verify()
    assert result.ok, result
    assert result.count == WORKERS * PER_WORKER * 4


def test_racing_reviewers_sign_a_role_once(registry: RegistryService, dsn: str) -> None:
    model = registry.add_model("shared", source="", revision="", files=manifest("s"), actor="ci")
    registry.record_passport(model.id, {}, "needs_review", ["legal", "security"], [], "ci")
    registry.request_approval(model.id, "alice")
    results: mp.Queue[str] = _CTX.Queue()
    procs = [_run(sign_legal, dsn, f"lawyer{i}", results) for i in range(3)]
    for proc in procs:
        proc.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    assert outcomes == ["refused", "refused", "signed"]
    signatures = registry.show("shared").requests[-1].signatures
    assert len(signatures) == 1
    assert registry.audit_verify().ok


def test_a_writer_killed_mid_transaction_leaves_no_trace(
    registry: RegistryService, dsn: str
) -> None:
    registry.add_model("before", source="", revision="", files=manifest("b"), actor="ci")
    ready = _CTX.Event()
    proc = _run(hang_in_transaction, dsn, ready)
    assert ready.wait(30)
    os.kill(proc.pid, signal.SIGKILL)  # type: ignore[arg-type]
    proc.join(10)
    assert [m.name for m in registry.list_models()] == ["before"]
    result = registry.audit_verify()
    assert result.ok and result.count == 1
    registry.add_model("after", source="", revision="", files=manifest("a"), actor="ci")
    assert registry.audit_verify().count == 2


def test_a_writer_killed_during_a_burst_keeps_the_chain(
    registry: RegistryService, dsn: str
) -> None:
    ready = _CTX.Event()
    proc = _run(write_forever, dsn, ready)
    assert ready.wait(30)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)  # type: ignore[arg-type]
    proc.join(10)
    result = registry.audit_verify()
    assert result.ok, result
    assert result.count == registry.count_models() > 0
    registry.add_model("after", source="", revision="", files=manifest("a"), actor="ci")
    assert registry.audit_verify().ok


def test_processes_opening_a_new_registry_at_once_migrate_it_once(dsn: str) -> None:
    from modelsteward.registry import open_registry

    procs = [_run(open_and_add, dsn, w) for w in range(3)]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    registry = open_registry(dsn)
    try:
        assert registry.count_models() == 3
        assert registry.audit_verify().ok
    finally:
        registry.close()
