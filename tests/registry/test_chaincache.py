"""The cached chain replay answers as a whole replay does, extends itself with new entries
only, and still catches a rewritten, shortened or edited chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing as mp
import threading
from datetime import UTC, datetime, timedelta

import pytest

from modelsteward.registry import ExceptionRecord, RegistryError, RegistryService, open_registry
from modelsteward.registry.chaincache import ChainCache
from modelsteward.registry.ledger import Ledger
from modelsteward.registry.records import Role
from modelsteward.registry.trust import replay
from tests.registry.conftest import manifest
from tests.registry.test_tampering import SQL, _rewrite_chain
from tests.registry.workers import vet_and_approve

TODAY = datetime.now(UTC).date()
_CTX = mp.get_context("fork")


def _open(dsn: str, cache: ChainCache, key: bytes | None = None) -> RegistryService:
    return open_registry(dsn, audit_key=key, chain_cache=cache)


def _model(registry: RegistryService, name: str, decision: str = "approve") -> int:
    files = manifest("model.safetensors", salt=name)
    model = registry.add_model(name, source=f"/m/{name}", revision="", files=files, actor="ci")
    roles = ["security"] if decision == "needs_review" else []
    registry.record_passport(model.id, {"n": name}, decision, roles, ["r"], "ci")
    return model.id


def _exception(registry: RegistryService, model_id: int) -> ExceptionRecord:
    draft = ExceptionRecord(
        id=0,
        rule_id="scan-severity",
        scope="",
        finding="*",
        path="*",
        reason="accepted",
        owner="alice",
        expires=TODAY + timedelta(days=10),
        actor="alice",
        created_at="",
        required_roles=(Role.SECURITY,),
    )
    return registry.request_exception(draft, model_id, latest_expiry=TODAY + timedelta(90))


def _state(ledger: Ledger) -> object:
    models = {
        i: (m.name, m.manifest_digest, m.status, sorted(m.passports), sorted(m.requests))
        for i, m in ledger.models.items()
    }
    return models, ledger.exceptions, ledger.actors, [d.detail for d in ledger.faults]


def _same_as_whole_replay(registry: RegistryService, cache: ChainCache) -> None:
    with cache.hold(registry.store) as held:
        cached = (held.verification.count, held.verification.head_hash, _state(held.ledger))
    whole = replay(registry.store, drift=False)
    assert whole.verification.ok
    expected = (whole.verification.count, whole.verification.head_hash, _state(whole.ledger))
    assert cached == expected


def test_the_chain_is_walked_once_then_extended(dsn: str) -> None:
    cache = ChainCache()
    registry = _open(dsn, cache)
    try:
        first = _model(registry, "a")
        record = _exception(registry, first)
        model = registry.find(first)
        assert registry.waivers(model.name, model.manifest_digest, TODAY) == []
        assert cache.walks == 1
        registry.approve_exception(record.id, "security", "sam", "fine")
        waived = registry.waivers(model.name, model.manifest_digest, TODAY)
        assert [e.id for e in waived] == [record.id]
        for name in ("b", "c", "d"):
            _model(registry, name, "needs_review")
            registry.request_approval(name, "carol")
            _same_as_whole_replay(registry, cache)
        registry.approve("b", "security", "sam", "ok")
        assert registry.is_approved(registry.show("b").files).approved
        assert not registry.is_approved(registry.show("c").files).approved
        _same_as_whole_replay(registry, cache)
        assert cache.walks == 1 and cache.extensions >= 6
    finally:
        registry.close()


def test_a_chain_rewritten_with_recomputed_hashes_is_walked_again(dsn: str, sql: SQL) -> None:
    cache = ChainCache()
    registry = _open(dsn, cache)
    try:
        model_id = _model(registry, "m")
        record = _exception(registry, model_id)
        registry.approve_exception(record.id, "security", "sam", "fine")
        model = registry.find(model_id)
        assert len(registry.waivers(model.name, model.manifest_digest, TODAY)) == 1
        # Rewrite the approval's actor (the requester approving her own exception) and every
        # later hash: a chain that verifies on its own, whose last entry differs.
        _rewrite_chain(registry, sql, actor="mallory")
        assert len(registry.waivers(model.name, model.manifest_digest, TODAY)) == 1
        assert cache.walks == 2  # the cached head no longer matched: walked whole
        _same_as_whole_replay(registry, cache)
    finally:
        registry.close()


def test_a_rewritten_chain_is_caught_by_the_key_through_the_cache(dsn: str, sql: SQL) -> None:
    cache = ChainCache()
    key = b"kept-outside-the-database"
    registry = _open(dsn, cache, key)
    try:
        model_id = _model(registry, "m")
        files = registry.show(model_id).files
        assert registry.is_approved(files).approved
        _model(registry, "n")
        assert registry.is_approved(registry.show("n").files).approved
        assert cache.walks == 1 and cache.extensions >= 1
        _rewrite_chain(registry, sql, actor="somebody-else")
        status = registry.is_approved(files)
        assert not status.approved and "audit chain is broken" in status.reason
        model = registry.find(model_id)
        with pytest.raises(RegistryError, match="broken"):
            registry.waivers(model.name, model.manifest_digest, TODAY)
    finally:
        registry.close()


def test_entries_deleted_from_the_end_are_caught(dsn: str, sql: SQL) -> None:
    cache = ChainCache()
    registry = _open(dsn, cache)
    try:
        model_id = _model(registry, "m")
        files = registry.show(model_id).files
        assert registry.is_approved(files).approved
        count = registry.audit_verify().count
        sql(f"DELETE FROM audit_log WHERE seq = {count}")
        status = registry.is_approved(files)
        assert not status.approved and "broken" in status.reason
    finally:
        registry.close()


def test_an_entry_appended_behind_the_store_is_caught(dsn: str, sql: SQL) -> None:
    from modelsteward.registry.audit import chain_entry

    cache = ChainCache()
    registry = _open(dsn, cache)
    try:
        model_id = _model(registry, "m")
        files = registry.show(model_id).files
        assert registry.is_approved(files).approved
        result = registry.audit_verify()
        forged = chain_entry(
            prev_hash=result.head_hash,
            seq=result.count + 1,
            ts="2026-01-01T00:00:00.000000Z",
            actor="mallory",
            action="approval.signed",
            payload=[],
        )
        sql(
            "INSERT INTO audit_log (seq, ts, actor, action, payload, prev_hash, hash) VALUES "
            f"({forged.seq}, '{forged.ts}', 'mallory', 'approval.signed', "
            f"'{forged.payload}', '{forged.prev_hash}', '{forged.hash}')"
        )
        status = registry.is_approved(files)
        assert not status.approved and "broken" in status.reason
        assert cache.walks == 2
    finally:
        registry.close()


def test_an_entry_edited_in_place_is_caught_when_the_state_is_walked_again(
    dsn: str, sql: SQL
) -> None:
    now = [0.0]
    cache = ChainCache(max_age_s=60, clock=lambda: now[0])
    registry = _open(dsn, cache)
    try:
        model_id = _model(registry, "m")
        files = registry.show(model_id).files
        assert registry.is_approved(files).approved
        sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
        # Within the age the state verified before still answers (it holds nothing the
        # edit wrote); a full verification reports the edit at once.
        assert registry.is_approved(files).approved
        assert registry.audit_verify().first_bad_seq == 1
        now[0] = 61.0
        status = registry.is_approved(files)
        assert not status.approved and "broken at entry 1" in status.reason
    finally:
        registry.close()


def test_stored_rows_are_compared_on_every_use(dsn: str, sql: SQL) -> None:
    cache = ChainCache()
    registry = _open(dsn, cache)
    try:
        model_id = _model(registry, "m", "needs_review")
        files = registry.show(model_id).files
        assert not registry.is_approved(files).approved
        sql(f"UPDATE models SET status = 'approved' WHERE id = {model_id}")
        status = registry.is_approved(files)
        assert not status.approved and "disagrees with the audit chain" in status.reason
        record = _exception(registry, model_id)
        sql(f"UPDATE policy_exceptions SET state = 'approved' WHERE id = {record.id}")
        model = registry.find(model_id)
        assert registry.waivers(model.name, model.manifest_digest, TODAY) == []
        assert registry.exception_drift() == (True, frozenset({record.id}))
        assert cache.walks == 1
    finally:
        registry.close()


def test_concurrent_writers_and_readers_agree_with_a_whole_replay(dsn: str) -> None:
    cache = ChainCache()
    registry = _open(dsn, cache)
    try:
        _model(registry, "seed")
        procs = [_CTX.Process(target=vet_and_approve, args=(dsn, w, 4)) for w in range(3)]
        for proc in procs:
            proc.start()
        errors: list[BaseException] = []
        done = threading.Event()  # only this thread waits for the children

        def read() -> None:
            reader = _open(dsn, cache)
            try:
                while not done.is_set():
                    model = reader.find("seed")
                    reader.waivers(model.name, model.manifest_digest, TODAY)
                    assert reader.is_approved(reader.show("seed").files).approved
            except BaseException as exc:
                errors.append(exc)
            finally:
                reader.close()

        threads = [threading.Thread(target=read) for _ in range(2)]
        for thread in threads:
            thread.start()
        for proc in procs:
            proc.join(120)
        done.set()
        for thread in threads:
            thread.join(60)
        assert [proc.exitcode for proc in procs] == [0, 0, 0]
        assert not errors, errors
        assert registry.count_models() == 1 + 3 * 4
        _same_as_whole_replay(registry, cache)
        assert cache.extensions > 0
    finally:
        registry.close()
