"""Policy exceptions under separation of duties, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from modelsteward.policy import PolicyError, default_policy, parse_policy, waiver_terms
from modelsteward.registry import (
    Actor,
    ApprovalError,
    ExceptionRecord,
    ExceptionState,
    RegistryError,
    RegistryService,
    Role,
)
from modelsteward.services.exceptions import ExceptionAsk, request_exception
from tests.registry.conftest import manifest

TODAY = datetime.now(UTC).date()
LATEST = TODAY + timedelta(days=90)


def _model(registry: RegistryService, name: str = "acme/legacy") -> int:
    files = manifest("pytorch_model.bin", "config.json", salt=name)
    model = registry.add_model(name, source=f"/m/{name}", revision="", files=files, actor="ci")
    registry.record_passport(model.id, {"n": name}, "reject", [], ["scan"], "ci")
    return model.id


def _draft(**overrides: object) -> ExceptionRecord:
    fields: dict[str, object] = {
        "id": 0,
        "rule_id": "scan-severity",
        "scope": "",
        "finding": "scan.pickle.*",
        "path": "pytorch_model.bin",
        "reason": "loaded only in the sandboxed converter",
        "owner": "security@acme.example",
        "expires": TODAY + timedelta(days=30),
        "actor": "alice",
        "created_at": "",
        "required_roles": (Role.SECURITY,),
    }
    fields.update(overrides)
    return ExceptionRecord(**fields)  # type: ignore[arg-type]


def test_an_exception_waives_only_once_its_reviewers_approve_never_its_requester(
    registry: RegistryService,
) -> None:
    model_id = _model(registry)
    model = registry.find(model_id)
    record = registry.request_exception(_draft(), model_id, latest_expiry=LATEST)
    assert record.state is ExceptionState.REQUESTED and record.scope == "acme/legacy"
    assert record.manifest_digest == model.manifest_digest
    assert registry.waivers(model.name, model.manifest_digest, TODAY) == []
    with pytest.raises(ApprovalError, match="cannot also review"):
        registry.approve_exception(record.id, Role.SECURITY, "alice", "mine")
    with pytest.raises(ApprovalError, match="the policy asks: security"):
        registry.approve_exception(record.id, Role.LEGAL, "bob", "not my area")
    with pytest.raises(ApprovalError, match="cannot approve"):
        registry.approve_exception(record.id, Role.ADMIN, "root", "I am root")
    approved = registry.approve_exception(record.id, Role.SECURITY, "carol", "sandboxed")
    assert approved.state is ExceptionState.APPROVED and approved.missing_roles == ()
    [waiver] = registry.waivers(model.name, model.manifest_digest, TODAY)
    assert waiver.id == record.id
    # Bound to the exact files, and to its expiry.
    assert registry.waivers(model.name, "0" * 64, TODAY) == []
    assert registry.waivers(model.name, model.manifest_digest, record.expires + timedelta(1)) == []
    assert approved.status(record.expires + timedelta(days=1)) == "expired"
    with pytest.raises(ApprovalError, match="not waiting for review"):
        registry.approve_exception(record.id, Role.SECURITY, "dave", "again")


def test_a_changed_file_voids_an_exception(registry: RegistryService) -> None:
    model_id = _model(registry)
    record = registry.request_exception(_draft(), model_id, latest_expiry=LATEST)
    registry.approve_exception(record.id, Role.SECURITY, "carol", "ok")
    files = manifest("pytorch_model.bin", "config.json", salt="retrained")
    changed = registry.add_model("acme/legacy", source="/m", revision="", files=files, actor="ci")
    assert registry.waivers("acme/legacy", changed.manifest_digest, TODAY) == []


def test_every_required_role_approves_and_any_may_reject(registry: RegistryService) -> None:
    model_id = _model(registry)
    both = _draft(required_roles=(Role.LEGAL, Role.SECURITY))
    record = registry.request_exception(both, model_id, latest_expiry=LATEST)
    half = registry.approve_exception(record.id, Role.LEGAL, "bob", "fine")
    assert half.state is ExceptionState.REQUESTED and half.missing_roles == (Role.SECURITY,)
    with pytest.raises(ApprovalError, match="already reviewed"):
        registry.approve_exception(record.id, Role.SECURITY, "bob", "both hats")
    rejected = registry.reject_exception(record.id, Role.ADMIN, "root", "no")
    assert rejected.state is ExceptionState.REJECTED


def test_revoking_ends_it_and_the_list_keeps_it(registry: RegistryService) -> None:
    model_id = _model(registry)
    model = registry.find(model_id)
    record = registry.request_exception(_draft(), model_id, latest_expiry=LATEST)
    registry.approve_exception(record.id, Role.SECURITY, "carol", "ok")
    with pytest.raises(ApprovalError, match="may not revoke"):
        registry.revoke_exception(record.id, Actor("eve", Role.LEGAL), "meddling")
    revoked = registry.revoke_exception(record.id, Actor("alice", Role.REQUESTER), "fixed")
    assert revoked.state is ExceptionState.REVOKED
    assert registry.waivers(model.name, model.manifest_digest, TODAY) == []
    assert [e.status(TODAY) for e in registry.exceptions()] == ["revoked"]
    with pytest.raises(ApprovalError, match="already revoked"):
        registry.revoke_exception(record.id, Actor("root", Role.ADMIN), "again")
    actions = [e.action for e in _entries(registry)]
    assert actions[-3:] == ["exception.requested", "exception.signed", "exception.revoked"]
    assert registry.audit_verify().ok


def _entries(registry: RegistryService) -> list[object]:
    with registry.store.audit_snapshot() as snap:
        return list(snap.entries())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expires": TODAY - timedelta(days=1)}, "in the past"),
        ({"expires": LATEST + timedelta(days=1)}, "later than the policy allows"),
        ({"required_roles": ()}, "needs reviewer roles"),
        ({"required_roles": (Role.REQUESTER,)}, "needs reviewer roles"),
        ({"finding": " "}, "needs a finding"),
        ({"reason": ""}, "needs a reason"),
    ],
)
def test_bad_requests_are_refused(
    registry: RegistryService, overrides: dict[str, object], message: str
) -> None:
    model_id = _model(registry)
    with pytest.raises(RegistryError, match=message):
        registry.request_exception(_draft(**overrides), model_id, latest_expiry=LATEST)
    assert registry.exceptions() == []


def test_the_policy_names_the_rule_the_reviewers_and_the_longest_expiry(
    registry: RegistryService,
) -> None:
    policy = default_policy()
    assert waiver_terms(policy, "scan-severity").roles == (Role.SECURITY,)  # type: ignore[comparison-overlap]
    assert [r.value for r in waiver_terms(policy, "license-decision").roles] == ["legal"]
    assert [r.value for r in waiver_terms(policy, "review-safety").roles] == ["safety"]
    with pytest.raises(PolicyError, match=r"no rule 'scan\.severity'"):
        waiver_terms(policy, "scan.severity")
    _model(registry)
    ask = ExceptionAsk(
        rule_id="license.denied",
        model="acme/legacy",
        finding="*",
        path="*",
        reason="pilot",
        owner="legal",
        expires=TODAY + timedelta(days=10),
    )
    with pytest.raises(PolicyError, match=r"has no rule 'license\.denied'"):
        request_exception(registry, policy, ask, "alice")
    record = request_exception(registry, policy, replace(ask, rule_id="scan-severity"), "alice")
    assert record.required_roles == (Role.SECURITY,)
    strict = parse_policy(
        "version: 1\nexception_max_days: 7\nrules:\n"
        "  - {id: s, kind: scan.severity, exception_roles: [security, admin]}\n"
    )
    with pytest.raises(RegistryError, match="later than the policy allows"):
        request_exception(registry, strict, replace(ask, rule_id="s"), "alice")
    two = request_exception(
        registry, strict, replace(ask, rule_id="s", expires=TODAY + timedelta(7)), "alice"
    )
    assert two.required_roles == (Role.SECURITY, Role.ADMIN)
    assert date.fromisoformat(two.to_dict()["expires"]) == TODAY + timedelta(7)  # type: ignore[arg-type]
