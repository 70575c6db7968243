"""Recording inside one write transaction: register a model's files, store a passport with
its decision, open the approval request. The service runs each step in a transaction of its
own, or all three in one (``RegistryService.record_vetted``), with the same audit entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modelsteward.registry import approvals
from modelsteward.registry.audit import canonical_json
from modelsteward.registry.facts import (
    find_model,
    model_facts,
    must_exist,
    passport_summary,
    request_facts,
    sha256_text,
)
from modelsteward.registry.records import (
    ApprovalRequest,
    Decision,
    ModelRecord,
    PassportRecord,
    Role,
    manifest_digest,
)
from modelsteward.registry.store.interface import Tx


@dataclass(frozen=True, slots=True, kw_only=True)
class Vetted:
    """A vetted model to record: its files, its passport and the policy's decision."""

    name: str
    source: str
    revision: str
    files: Mapping[str, str]
    """relpath -> sha256"""
    passport: Mapping[str, object]
    decision: str
    required_roles: Sequence[str]
    reasons: Sequence[str]


def add_model(
    tx: Tx, name: str, *, source: str, revision: str, files: Mapping[str, str], actor: str
) -> ModelRecord:
    """Register a model, or give a known one new files (the caller checked the manifest)."""
    existing = tx.model_by_name(name)
    if existing is None:
        model = tx.insert_model(name=name, source=source, revision=revision, files=files)
        tx.append_audit(actor, "model.added", {**model_facts(model), "files": dict(files)})
        return model
    if existing.manifest_digest == manifest_digest(files):
        return existing
    tx.replace_manifest(existing.id, source=source, revision=revision, files=files)
    model = must_exist(tx.model(existing.id), existing.id)
    tx.append_audit(
        actor,
        "model.manifest-changed",
        {**model_facts(model), "previous_digest": existing.manifest_digest, "files": dict(files)},
    )
    return model


def record_passport(
    tx: Tx,
    model_ref: int | str,
    passport: Mapping[str, object],
    decision: Decision,
    roles: tuple[Role, ...],
    reasons: Sequence[str],
    actor: str,
    *,
    once: bool,
) -> tuple[PassportRecord, bool]:
    """Store the next passport of the model's current files; with ``once``, return the
    latest one instead when it was judged with the same versions to the same decision."""
    model = find_model(tx, model_ref)
    if once:
        latest = tx.latest_passport(model.id)
        if (
            latest is not None
            and latest.manifest_digest == model.manifest_digest
            and latest.decision is decision
            and passport.get("versions") is not None
            and latest.passport.get("versions") == passport.get("versions")
            and latest.passport.get("use") == passport.get("use")
        ):
            return latest, False
    record = tx.insert_passport(
        model_id=model.id,
        manifest_digest=model.manifest_digest,
        passport=passport,
        decision=decision,
        required_roles=roles,
        reasons=reasons,
        actor=actor,
    )
    tx.set_status(model.id, approvals.status_for(record))
    family, worst = passport_summary(passport)
    tx.set_summary(model.id, decision=decision, license_family=family, max_severity=worst)
    tx.append_audit(
        actor,
        "passport.recorded",
        {
            "model_id": model.id,
            "name": model.name,
            "version": record.version,
            "manifest_digest": model.manifest_digest,
            "decision": decision.value,
            "required_roles": [r.value for r in roles],
            "reasons": list(reasons),
            "passport_sha256": sha256_text(canonical_json(dict(passport))),
        },
    )
    return record, True


def request_approval(tx: Tx, model_ref: int | str, requester: str) -> ApprovalRequest:
    """Open (or return) the request for the model's current passport."""
    model = find_model(tx, model_ref)
    req, created = approvals.open_request(tx, model, requester)
    if created:
        tx.append_audit(requester, "approval.requested", request_facts(model, req))
    return req
