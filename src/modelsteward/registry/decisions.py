"""Governed decision records: a selection or a contribution, recorded with the digest of what
it was decided on, signed by the roles the policy names under separation of duties, every step
in the audit chain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from modelsteward.registry.approvals import check_duties
from modelsteward.registry.audit import canonical_json
from modelsteward.registry.facts import sha256_text
from modelsteward.registry.records import (
    ApprovalError,
    DecisionRecord,
    NotFoundError,
    RegistryError,
    RequestState,
    Role,
    Signature,
)
from modelsteward.registry.store.interface import Store, Tx

KINDS = ("selection", "contribution")


def _facts(record: DecisionRecord) -> dict[str, object]:
    return {
        "decision_id": record.id,
        "kind": record.kind,
        "name": record.name,
        "digest": record.digest,
        "subject": record.subject,
        "state": record.state.value,
        "missing_roles": [r.value for r in record.missing_roles],
    }


def _one(tx: Tx, decision_id: int) -> DecisionRecord:
    found = tx.decisions(decision_id=decision_id, limit=1)
    if not found:
        raise NotFoundError(
            f"no decision record {decision_id}",
            hint="list them with: modelsteward select --list",
        )
    return found[0]


def record_decision(
    store: Store,
    *,
    kind: str,
    name: str,
    digest: str,
    subject: str,
    payload: Mapping[str, object],
    requester: str,
    required_roles: Sequence[Role],
    models: Sequence[str] = (),
) -> DecisionRecord:
    """Store a decision record and its audit entry; with no required role it is approved
    at once.

    Raises:
        RegistryError: when the kind is unknown or a field is empty.
    """
    if kind not in KINDS:
        raise RegistryError(f"unknown decision kind {kind!r}", hint=f"use {', '.join(KINDS)}")
    if not (name.strip() and digest.strip() and requester.strip()):
        raise RegistryError(
            "a decision record needs a name, a digest and who records it",
            hint="give --as NAME:ROLE",
        )
    with store.write() as tx:
        decision_id = tx.insert_decision(
            kind=kind,
            name=name,
            digest=digest,
            subject=subject,
            payload=payload,
            requester=requester,
            required_roles=tuple(required_roles),
            models=tuple(models),
        )
        if not required_roles:
            tx.set_decision_state(decision_id, RequestState.APPROVED)
        record = _one(tx, decision_id)
        tx.append_audit(
            requester,
            f"{kind}.recorded",
            {
                **_facts(record),
                "models": list(record.models),
                "payload_sha256": sha256_text(canonical_json(dict(payload))),
            },
        )
        return record


def sign_decision(
    store: Store, decision_id: int, *, role: Role, actor: str, reason: str, approve: bool
) -> DecisionRecord:
    """Approve or reject a pending decision record in ``role``.

    Raises:
        NotFoundError: when the record does not exist.
        ApprovalError: when it is not pending or separation of duties forbids it.
    """
    if role is Role.REQUESTER:
        raise ApprovalError(
            "a requester cannot sign decisions",
            hint="sign in one of the roles the decision waits for",
        )
    with store.write() as tx:
        record = _one(tx, decision_id)
        subject = f"{record.kind} {record.name!r}"
        if record.state is not RequestState.PENDING:
            raise ApprovalError(
                f"{subject} is already {record.state.value}",
                hint="record the decision again if it must change",
            )
        check_duties(
            subject,
            requester=record.requester,
            required_roles=record.required_roles,
            signatures=record.signatures,
            role=role,
            actor=actor,
        )
        if approve and role not in record.required_roles:
            raise ApprovalError(
                f"role {role.value} cannot approve {subject} on behalf of the required roles",
                hint="each required role signs for itself",
            )
        tx.insert_decision_signature(
            decision_id,
            Signature(role=role, actor=actor, approve=approve, reason=reason, created_at=tx.now()),
        )
        signed = _one(tx, decision_id)
        if not approve:
            tx.set_decision_state(decision_id, RequestState.REJECTED)
        elif not signed.missing_roles:
            tx.set_decision_state(decision_id, RequestState.APPROVED)
        final = _one(tx, decision_id)
        tx.append_audit(
            actor,
            f"{record.kind}.signed" if approve else f"{record.kind}.rejected",
            {**_facts(final), "role": role.value, "reason": reason},
        )
        return final


def list_decisions(
    store: Store, *, kind: str | None = None, model: str | None = None, limit: int = 100
) -> list[DecisionRecord]:
    """Decision records, newest first."""
    with store.read() as tx:
        return tx.decisions(kind=kind, model=model, limit=limit)


def get_decision(store: Store, decision_id: int) -> DecisionRecord:
    """One decision record.

    Raises:
        NotFoundError: when it does not exist.
    """
    with store.read() as tx:
        return _one(tx, decision_id)
