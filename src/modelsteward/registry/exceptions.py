"""Policy exceptions under separation of duties.

Any actor may request an exception; it names one rule, a finding glob, a path glob inside
the model, and binds to the model's current file manifest (a changed file voids it). The
roles the policy names for that rule must each approve it, never its requester, one person
per role; any of them (or an admin) may reject it. It must expire no later than the
policy's maximum, and its requester, a required role or an admin may revoke it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from modelsteward.registry.records import (
    Actor,
    ApprovalError,
    ExceptionRecord,
    ExceptionState,
    ModelRecord,
    NotFoundError,
    RegistryError,
    Role,
    Signature,
)
from modelsteward.registry.store.interface import Tx


def new_request(
    tx: Tx,
    draft: ExceptionRecord,
    model: ModelRecord,
    *,
    latest_expiry: date,
) -> ExceptionRecord:
    """Store ``draft`` (its id and time are assigned) as a request bound to ``model``'s
    current files.

    Raises:
        RegistryError: when a field is empty, the expiry is in the past or after
            ``latest_expiry``, or no reviewer role is named (or only ``requester``).
    """
    for name in ("rule_id", "finding", "path", "reason", "owner"):
        if not str(getattr(draft, name)).strip():
            raise RegistryError(
                f"an exception needs a {name.replace('_', ' ')}",
                hint="give --rule, --finding, --path, --reason and --owner",
            )
    today = date.fromisoformat(tx.now()[:10])
    if draft.expires < today:
        raise RegistryError(
            f"exception expiry {draft.expires.isoformat()} is in the past",
            hint="give a future --expires date (YYYY-MM-DD)",
        )
    if draft.expires > latest_expiry:
        raise RegistryError(
            f"exception expiry {draft.expires.isoformat()} is later than the policy allows "
            f"({latest_expiry.isoformat()})",
            hint=f"give --expires {latest_expiry.isoformat()} or earlier",
        )
    roles = tuple(dict.fromkeys(draft.required_roles))
    if not roles or Role.REQUESTER in roles:
        raise RegistryError(
            "an exception needs reviewer roles (legal, security, safety or admin)",
            hint="the policy names who approves exceptions to each rule",
        )
    record = replace(
        draft,
        scope=model.name,
        manifest_digest=model.manifest_digest,
        required_roles=roles,
        state=ExceptionState.REQUESTED,
        signatures=(),
    )
    return tx.insert_exception(record)


def find(tx: Tx, exception_id: int) -> ExceptionRecord:
    """The exception with this id.

    Raises:
        NotFoundError: when there is none.
    """
    record = tx.exception(exception_id)
    if record is None:
        raise NotFoundError(
            f"no policy exception {exception_id}",
            hint="list them with: modelsteward registry exception list",
        )
    return record


def sign(
    tx: Tx, exception_id: int, *, role: Role, actor: str, reason: str, approve: bool
) -> ExceptionRecord:
    """Add one reviewer's verdict; the last required approval makes it waive.

    Raises:
        NotFoundError: when the exception does not exist.
        ApprovalError: when it is not pending, or separation of duties forbids it.
    """
    record = find(tx, exception_id)
    if record.state is not ExceptionState.REQUESTED:
        raise ApprovalError(
            f"exception {record.id} is {record.state.value}, not waiting for review",
            hint="request a new exception if one is still needed",
        )
    _check_signer(record, role, actor, approve=approve)
    tx.insert_exception_signature(
        record.id,
        Signature(role=role, actor=actor, approve=approve, reason=reason, created_at=tx.now()),
    )
    signed = find(tx, record.id)
    if not approve:
        tx.set_exception_state(record.id, ExceptionState.REJECTED)
    elif not signed.missing_roles:
        tx.set_exception_state(record.id, ExceptionState.APPROVED)
    return find(tx, record.id)


def _check_signer(record: ExceptionRecord, role: Role, actor: str, *, approve: bool) -> None:
    if actor == record.actor:
        raise ApprovalError(
            f"{actor} requested exception {record.id} and cannot also review it",
            hint="another person holding a required role must review it",
        )
    needed = ", ".join(r.value for r in record.required_roles)
    if role not in record.required_roles and not (role is Role.ADMIN and not approve):
        raise ApprovalError(
            f"role {role.value} cannot {'approve' if approve else 'reject'} exception "
            f"{record.id} (the policy asks: {needed})",
            hint="review it in one of the roles the policy names for this rule",
        )
    for sig in record.signatures:
        if sig.actor == actor:
            raise ApprovalError(
                f"{actor} already reviewed exception {record.id} as {sig.role.value}",
                hint="each required role is reviewed by a different person",
            )
        if sig.role is role:
            raise ApprovalError(
                f"role {role.value} already reviewed exception {record.id} ({sig.actor})",
                hint="the remaining roles must review it",
            )


def revoke(tx: Tx, exception_id: int, *, actor: Actor) -> ExceptionRecord:
    """End a requested or approved exception now.

    Raises:
        NotFoundError: when the exception does not exist.
        ApprovalError: when it is already closed, or ``actor`` is neither its requester,
            a role it names, nor an admin.
    """
    record = find(tx, exception_id)
    if record.state not in (ExceptionState.REQUESTED, ExceptionState.APPROVED):
        raise ApprovalError(
            f"exception {record.id} is already {record.state.value}",
            hint="only a requested or approved exception can be revoked",
        )
    allowed = (
        actor.name == record.actor
        or actor.role is Role.ADMIN
        or actor.role in record.required_roles
    )
    if not allowed:
        raise ApprovalError(
            f"{actor} may not revoke exception {record.id}",
            hint="its requester, a role it names, or an admin revokes it",
        )
    tx.set_exception_state(record.id, ExceptionState.REVOKED)
    return find(tx, record.id)
