"""SQL edits of every table that decides anything approve nothing, and ``audit verify``
names the row (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from modelsteward.registry import (
    Actor,
    ApprovalError,
    ExceptionRecord,
    RegistryService,
    Role,
    open_registry,
)
from modelsteward.registry.identity import token_digest
from tests.registry.conftest import manifest, sha

SQL = Callable[[str], None]
TODAY = datetime.now(UTC).date()
NOW = "2026-01-01T00:00:00.000000Z"


def _model(registry: RegistryService, name: str, decision: str, roles: list[str]) -> int:
    files = manifest("model.safetensors", "config.json", salt=name)
    model = registry.add_model(name, source=f"/m/{name}", revision="", files=files, actor="ci")
    registry.record_passport(model.id, {"n": name}, decision, roles, ["r"], "ci")
    return model.id


def _refused(registry: RegistryService, model_id: int, table: str, row: str) -> None:
    files = registry.show(model_id).files
    status = registry.is_approved(files)
    assert not status.approved
    assert "disagrees with the audit chain" in status.reason or "not" in status.reason
    result = registry.audit_verify()
    assert not result.ok and result.intact  # the chain itself is untouched
    assert (table, row) in {(d.table, d.row) for d in result.drift}, result.drift


def test_a_status_edit_approves_a_model_that_was_never_vetted(
    registry: RegistryService, sql: SQL
) -> None:
    files = manifest("model.safetensors", salt="raw")
    model = registry.add_model("raw", source="/raw", revision="", files=files, actor="ci")
    sql(f"UPDATE models SET status = 'approved' WHERE id = {model.id}")
    assert registry.find(model.id).status.value == "approved"  # the column says so...
    _refused(registry, model.id, "models", str(model.id))  # ...and approves nothing


def test_a_rewritten_passport_decision_approves_nothing(
    registry: RegistryService, sql: SQL
) -> None:
    model_id = _model(registry, "trojan", "reject", [])
    sql(
        "UPDATE passports SET decision = 'approve', required_roles = '[]', reasons = '[]' "
        f"WHERE model_id = {model_id}"
    )
    sql(f"UPDATE models SET status = 'approved' WHERE id = {model_id}")
    _refused(registry, model_id, "passports", f"{model_id}/v1")


def test_a_forged_signature_and_request_state_approve_nothing(
    registry: RegistryService, sql: SQL
) -> None:
    model_id = _model(registry, "pending", "needs_review", ["legal"])
    req = registry.request_approval(model_id, "alice")
    sql(
        "INSERT INTO signatures (request_id, role, actor, approve, reason, created_at) "
        f"VALUES ({req.id}, 'legal', 'mallory', TRUE, 'trust me', '{NOW}')"
    )
    sql(f"UPDATE approval_requests SET state = 'approved' WHERE id = {req.id}")
    sql(f"UPDATE models SET status = 'approved' WHERE id = {model_id}")
    _refused(registry, model_id, "approval_requests", str(req.id))


def test_swapped_file_hashes_approve_nothing(registry: RegistryService, sql: SQL) -> None:
    model_id = _model(registry, "clean", "approve", [])
    assert registry.is_approved(registry.show(model_id).files).approved
    trojan = sha("trojan weights")
    sql(f"UPDATE model_files SET sha256 = '{trojan}' WHERE relpath = 'model.safetensors'")
    assert not registry.is_approved({"model.safetensors": trojan}).approved
    result = registry.audit_verify()
    assert ("model_files", f"{model_id}/model.safetensors") in {
        (d.table, d.row) for d in result.drift
    }


def test_a_deleted_rejection_approves_nothing(registry: RegistryService, sql: SQL) -> None:
    model_id = _model(registry, "refused", "needs_review", ["legal"])
    req = registry.request_approval(model_id, "alice")
    registry.reject(model_id, "legal", "bob", "no")
    sql(f"DELETE FROM signatures WHERE request_id = {req.id}")
    sql(f"UPDATE approval_requests SET state = 'pending' WHERE id = {req.id}")
    registry.approve(model_id, "legal", "mallory", "sure")  # the service sees a pending request
    _refused(registry, model_id, "approval_requests", str(req.id))
    # Putting the rejection row back does not help: the chain closed the request first.
    sql(
        "INSERT INTO signatures (request_id, role, actor, approve, reason, created_at) "
        f"VALUES ({req.id}, 'legal', 'bob', FALSE, 'no', '{NOW}')"
    )
    _refused(registry, model_id, "approval_requests", str(req.id))


def test_an_exception_flipped_to_approved_waives_nothing(
    registry: RegistryService, sql: SQL
) -> None:
    model_id = _model(registry, "legacy", "reject", [])
    model = registry.find(model_id)
    draft = ExceptionRecord(
        id=0,
        rule_id="scan-severity",
        scope="",
        finding="*",
        path="*",
        reason="please",
        owner="alice",
        expires=TODAY + timedelta(days=10),
        actor="alice",
        created_at="",
        required_roles=(Role.SECURITY,),
    )
    record = registry.request_exception(draft, model_id, latest_expiry=TODAY + timedelta(90))
    sql(
        "INSERT INTO exception_signatures (exception_id, role, actor, approve, reason, "
        f"created_at) VALUES ({record.id}, 'security', 'mallory', TRUE, 'ok', '{NOW}')"
    )
    sql(f"UPDATE policy_exceptions SET state = 'approved' WHERE id = {record.id}")
    assert [e.state.value for e in registry.exceptions()] == ["approved"]  # stored...
    assert registry.waivers(model.name, model.manifest_digest, TODAY) == []  # ...waives nothing
    result = registry.audit_verify()
    assert ("policy_exceptions", str(record.id)) in {(d.table, d.row) for d in result.drift}


def test_an_edited_deployment_is_reported(registry: RegistryService, sql: SQL) -> None:
    model_id = _model(registry, "served", "approve", [])
    dep = registry.deploy(model_id, "prod", "vllm", [], "ops")
    sql(f"UPDATE deployments SET target = 'customer-chat' WHERE id = {dep.id}")
    result = registry.audit_verify()
    assert ("deployments", str(dep.id)) in {(d.table, d.row) for d in result.drift}
    assert not registry.is_approved(registry.show(model_id).files).approved


def test_a_token_row_inserted_behind_the_enrolment_is_refused(
    registry: RegistryService, sql: SQL
) -> None:
    actors = registry.actors
    actors.enroll(Actor("root", Role.ADMIN), by=None)
    forged = "mst_forged-admin-token"
    sql(
        "INSERT INTO actors (name, role, token_sha256, created_at) "
        f"VALUES ('mallory', 'admin', '{token_digest(forged)}', '{NOW}')"
    )
    with pytest.raises(ApprovalError, match="disagree with the audit chain"):
        actors.authenticate(forged)
    result = registry.audit_verify()
    assert ("actors", "mallory:admin") in {(d.table, d.row) for d in result.drift}


def test_a_rewritten_chain_is_caught_by_signed_checkpoints(dsn: str, sql: SQL) -> None:
    key = b"kept-outside-the-database"
    signed = open_registry(dsn, audit_key=key)
    try:
        _model(signed, "m", "needs_review", ["legal"])
        assert signed.audit_verify().ok
        assert signed.audit_verify().signed_through == 2
        _rewrite_chain(signed, sql, actor="somebody-else")
        unsigned = open_registry(dsn)
        try:
            assert unsigned.audit_verify().ok  # consistent hashes: only the key can tell
        finally:
            unsigned.close()
        result = signed.audit_verify()
        assert not result.ok and result.reason is not None
        assert result.reason.value == "edited" and "rewritten" in result.detail
        assert not signed.is_approved(signed.show("m").files).approved
    finally:
        signed.close()


def test_entries_written_without_the_key_are_unsigned(dsn: str) -> None:
    plain = open_registry(dsn)
    try:
        _model(plain, "m", "approve", [])
    finally:
        plain.close()
    keyed = open_registry(dsn, audit_key=b"k")
    try:
        result = keyed.audit_verify()
        assert not result.ok and result.reason is not None
        assert result.reason.value == "unsigned" and result.first_bad_seq == 1
    finally:
        keyed.close()


def _rewrite_chain(registry: RegistryService, sql: SQL, *, actor: str) -> None:
    """Rewrite the actor of the first entry and recompute every hash and the head."""
    from modelsteward.registry.audit import GENESIS, entry_hash

    with registry.store.audit_snapshot() as snap:
        entries = list(snap.entries())
    prev = GENESIS
    for entry in entries:
        who = actor if entry.seq == 1 else entry.actor
        digest = entry_hash(prev, entry.seq, entry.ts, who, entry.action, entry.payload)
        sql(
            f"UPDATE audit_log SET actor = '{who}', prev_hash = '{prev}', hash = '{digest}' "
            f"WHERE seq = {entry.seq}"
        )
        prev = digest
    sql(f"UPDATE audit_head SET hash = '{prev}' WHERE id = 1")
