"""Processes the concurrency tests start; kept free of pytest so they start quickly."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import time
from multiprocessing.synchronize import Event

from modelsteward.registry import ApprovalError, open_registry


def sha(text: str) -> str:
    """A SHA-256 hex digest of ``text`` (stands in for a file hash)."""
    return hashlib.sha256(text.encode()).hexdigest()


def manifest(*names: str, salt: str = "") -> dict[str, str]:
    """A file manifest whose hashes derive from the names."""
    return {name: sha(name + salt) for name in names}


def vet_and_approve(dsn: str, worker: int, count: int) -> None:
    registry = open_registry(dsn)
    try:
        for i in range(count):
            name = f"w{worker}-m{i}"
            model = registry.add_model(
                name, source="/m", revision="", files=manifest(name), actor=f"ci{worker}"
            )
            registry.record_passport(model.id, {"n": name}, "needs_review", ["legal"], [], "ci")
            registry.request_approval(model.id, f"req{worker}")
            registry.approve(model.id, "legal", f"rev{worker}", "ok")
    finally:
        registry.close()


def sign_legal(dsn: str, actor: str, results: mp.Queue[str]) -> None:
    registry = open_registry(dsn)
    try:
        registry.approve("shared", "legal", actor, "ok")
        results.put("signed")
    except ApprovalError:
        results.put("refused")
    finally:
        registry.close()


def hang_in_transaction(dsn: str, ready: Event) -> None:
    registry = open_registry(dsn)
    with registry.store.write() as tx:
        tx.insert_model(name="half-written", source="", revision="", files=manifest("x"))
        tx.append_audit("ghost", "model.added", {"name": "half-written"})
        ready.set()
        time.sleep(60)


def write_forever(dsn: str, ready: Event) -> None:
    registry = open_registry(dsn)
    ready.set()
    i = 0
    while True:
        name = f"burst-{i}"
        registry.add_model(name, source="", revision="", files=manifest(name), actor="burst")
        i += 1


def open_and_add(dsn: str, worker: int) -> None:
    """Open a registry that may not exist yet and add one model."""
    registry = open_registry(dsn)
    try:
        name = f"first-{worker}"
        registry.add_model(name, source="", revision="", files=manifest(name), actor="ci")
    finally:
        registry.close()
