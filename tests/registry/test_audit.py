"""The audit chain names the first edited, deleted or reordered entry, on every backend."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable

import pytest

from modelsteward.registry import AuditFault, RegistryService
from modelsteward.registry.audit import GENESIS, chain_entry, verify_chain
from tests.registry.conftest import manifest

Sql = Callable[[str], None]


def _fill(registry: RegistryService, n: int = 6) -> None:
    for i in range(n):
        registry.add_model(f"m{i}", source="/m", revision="", files=manifest(f"f{i}"), actor="ci")


def test_an_untouched_chain_verifies(registry: RegistryService) -> None:
    assert registry.audit_verify().ok and registry.audit_verify().count == 0
    _fill(registry)
    result = registry.audit_verify()
    assert result.ok and result.count == 6 and result.first_bad_seq is None


def test_an_edited_payload_is_named(registry: RegistryService, sql: Sql) -> None:
    _fill(registry)
    sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    result = registry.audit_verify()
    assert not result.ok
    assert (result.first_bad_seq, result.reason) == (3, AuditFault.EDITED)


def test_an_edit_with_a_recomputed_hash_is_named(registry: RegistryService, sql: Sql) -> None:
    _fill(registry)
    import hashlib

    # Rewrite entry 2 and give it a hash that matches its new content.
    buf = io.StringIO()
    registry.audit_export(buf)
    second = json.loads(buf.getvalue().splitlines()[1])
    forged = chain_entry(
        prev_hash=second["prev_hash"],
        seq=2,
        ts=second["ts"],
        actor="mallory",
        action=second["action"],
        payload=second["payload"],
    )
    assert hashlib.sha256(b"").hexdigest() != forged.hash
    sql(f"UPDATE audit_log SET actor = 'mallory', hash = '{forged.hash}' WHERE seq = 2")
    result = registry.audit_verify()
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 2, AuditFault.EDITED)


def test_a_deleted_entry_is_named(registry: RegistryService, sql: Sql) -> None:
    _fill(registry)
    sql("DELETE FROM audit_log WHERE seq = 4")
    result = registry.audit_verify()
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 4, AuditFault.DELETED)


def test_a_deleted_last_entry_is_named(registry: RegistryService, sql: Sql) -> None:
    _fill(registry)
    sql("DELETE FROM audit_log WHERE seq = 6")
    result = registry.audit_verify()
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 6, AuditFault.DELETED)


def test_reordered_entries_are_named(registry: RegistryService, sql: Sql) -> None:
    _fill(registry)
    sql("UPDATE audit_log SET seq = 1000 WHERE seq = 3")
    sql("UPDATE audit_log SET seq = 3 WHERE seq = 4")
    sql("UPDATE audit_log SET seq = 4 WHERE seq = 1000")
    result = registry.audit_verify()
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 3, AuditFault.REORDERED)
    assert "entry 3 was entry 4" in result.detail


def test_the_export_is_json_lines_that_reverify(registry: RegistryService) -> None:
    _fill(registry, 3)
    buf = io.StringIO()
    assert registry.audit_export(buf) == 3
    entries = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(entries))


@pytest.mark.parametrize("swap", [True, False])
def test_verify_chain_alone(swap: bool) -> None:
    entries = []
    prev = GENESIS
    for seq in (1, 2, 3):
        entry = chain_entry(
            prev_hash=prev, seq=seq, ts="t", actor="a", action="x", payload={"n": seq}
        )
        entries.append(entry)
        prev = entry.hash
    rows = [e.row for e in entries]
    assert verify_chain(rows, head=(3, prev)).ok
    if swap:
        moved = [rows[0], rows[2], rows[1]]
        bad = verify_chain(moved, head=(3, prev), rescan=rows)
        assert bad.first_bad_seq == 2
    else:
        bad = verify_chain(rows[:2], head=(3, prev))
        assert (bad.first_bad_seq, bad.reason) == (3, AuditFault.DELETED)


def test_an_anchor_catches_a_consistent_rewrite(registry: RegistryService, sql: Sql) -> None:
    _fill(registry)
    before = registry.audit_verify()
    buf = io.StringIO()
    registry.audit_export(buf)
    last = json.loads(buf.getvalue().splitlines()[-1])
    forged = chain_entry(
        prev_hash=last["prev_hash"],
        seq=6,
        ts=last["ts"],
        actor="mallory",
        action=last["action"],
        payload=last["payload"],
    )
    sql(f"UPDATE audit_log SET actor = 'mallory', hash = '{forged.hash}' WHERE seq = 6")
    sql(f"UPDATE audit_head SET hash = '{forged.hash}' WHERE id = 1")
    assert registry.audit_verify().ok  # without an anchor the rewrite is consistent
    result = registry.audit_verify(anchor=(6, before.head_hash))
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 6, AuditFault.EDITED)
    assert registry.audit_verify(anchor=(7, before.head_hash)).reason is AuditFault.DELETED
