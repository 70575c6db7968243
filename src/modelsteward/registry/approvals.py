"""Separation of duties: who may sign which approval request, and what a signature means.

A request binds to one passport version and to the exact file manifest it was made for.
Its requester never signs it, one person signs at most one role, every required role must
approve, and any required role (or an admin) may reject. A changed manifest or a newer
passport voids the request.
"""

from __future__ import annotations

from modelsteward.registry.records import (
    ApprovalError,
    ApprovalRequest,
    Decision,
    ModelRecord,
    ModelStatus,
    PassportRecord,
    RegistryError,
    RequestState,
    Role,
    Signature,
)
from modelsteward.registry.store.interface import Tx


def status_for(passport: PassportRecord) -> ModelStatus:
    """The status a freshly recorded passport gives its model."""
    if passport.decision is Decision.REJECT:
        return ModelStatus.REJECTED
    if passport.decision is Decision.APPROVE and not passport.required_roles:
        return ModelStatus.APPROVED
    return ModelStatus.NEEDS_REVIEW


def reviewers(passport: PassportRecord) -> tuple[Role, ...]:
    """The roles that must sign; a review nobody is named for goes to an admin."""
    if passport.required_roles:
        return passport.required_roles
    if passport.decision is Decision.NEEDS_REVIEW:
        return (Role.ADMIN,)
    return ()


def current_passport(tx: Tx, model: ModelRecord) -> PassportRecord:
    """The newest passport, which must describe the model's current files.

    Raises:
        RegistryError: when the model has no passport for its current files.
    """
    passport = tx.latest_passport(model.id)
    if passport is None or passport.manifest_digest != model.manifest_digest:
        raise RegistryError(
            f"model {model.name} has no passport for its current files",
            hint=f"vet it again and record the passport (modelsteward vet --record {model.name})",
        )
    return passport


def open_request(tx: Tx, model: ModelRecord, requester: str) -> tuple[ApprovalRequest, bool]:
    """The request for the current passport and files, opening one if there is none.

    Returns the request and whether it was created.

    Raises:
        RegistryError: when the model has no current passport.
        ApprovalError: when the policy or a reviewer rejected the model.
    """
    passport = current_passport(tx, model)
    if passport.decision is Decision.REJECT:
        raise ApprovalError(
            f"the policy rejected {model.name}; it cannot be approved",
            hint="fix the findings and vet again, or record a policy exception",
        )
    for req in reversed(tx.requests(model.id)):
        if not _valid(req, model, passport):
            continue
        if req.state is RequestState.REJECTED:
            # Asking again until someone agrees would defeat the reviewer who said no.
            raise ApprovalError(
                f"a reviewer rejected {model.name} for these files and this passport",
                hint="address the rejection, vet again and record a new passport",
            )
        return req, False
    roles = reviewers(passport)
    req = tx.insert_request(
        model_id=model.id,
        passport_version=passport.version,
        manifest_digest=model.manifest_digest,
        requester=requester,
        required_roles=roles,
    )
    if not roles:
        tx.set_request_state(req.id, RequestState.APPROVED)
    return tx.requests(model.id)[-1], True


def pending_request(tx: Tx, model: ModelRecord) -> ApprovalRequest:
    """The request reviewers sign now.

    Raises:
        ApprovalError: when there is none, or the model changed since it was made.
    """
    requests = tx.requests(model.id)
    if not requests:
        raise ApprovalError(
            f"nobody has requested approval of {model.name}",
            hint=f"run: modelsteward registry request {model.name} --as NAME:requester",
        )
    req = requests[-1]
    passport = tx.latest_passport(model.id)
    if passport is None or not _valid(req, model, passport):
        raise ApprovalError(
            f"the approval request for {model.name} is void: its files or passport changed",
            hint="vet the model again and open a new request",
        )
    if req.state is not RequestState.PENDING:
        raise ApprovalError(
            f"the approval request for {model.name} is already {req.state.value}",
            hint="open a new request after a new vet if the decision must change",
        )
    return req


def check_signer(req: ApprovalRequest, model: ModelRecord, role: Role, actor: str) -> None:
    """Enforce separation of duties for one signature.

    Raises:
        ApprovalError: when ``actor`` may not sign ``req`` as ``role``.
    """
    check_duties(
        model.name,
        requester=req.requester,
        required_roles=req.required_roles,
        signatures=req.signatures,
        role=role,
        actor=actor,
    )


def check_duties(
    subject: str,
    *,
    requester: str,
    required_roles: tuple[Role, ...],
    signatures: tuple[Signature, ...],
    role: Role,
    actor: str,
) -> None:
    """Separation of duties for any governed request: the requester never signs, a role
    signs only when it is required (or as admin), once, and one person signs one role.

    Raises:
        ApprovalError: when ``actor`` may not sign in ``role``.
    """
    if actor == requester:
        raise ApprovalError(
            f"{actor} requested approval of {subject} and cannot also sign it",
            hint="another person holding the required role must sign",
        )
    if role not in required_roles and role is not Role.ADMIN:
        needed = ", ".join(r.value for r in required_roles) or "none"
        raise ApprovalError(
            f"role {role.value} is not asked to review {subject} (required: {needed})",
            hint="sign with one of the required roles",
        )
    for sig in signatures:
        if sig.actor == actor:
            raise ApprovalError(
                f"{actor} already signed {subject} as {sig.role.value}",
                hint="each required role must be signed by a different person",
            )
        if sig.role is role:
            raise ApprovalError(
                f"role {role.value} already signed {subject} ({sig.actor})",
                hint="the remaining roles must sign",
            )


def sign(
    tx: Tx, model: ModelRecord, *, role: Role, actor: str, reason: str, approve: bool
) -> ApprovalRequest:
    """Add a verdict to the pending request and update the model's status.

    An admin may reject but approves only a request that names the admin role.

    Raises:
        ApprovalError: when separation of duties forbids it or no request is pending.
    """
    req = pending_request(tx, model)
    check_signer(req, model, role, actor)
    if approve and role not in req.required_roles:
        raise ApprovalError(
            f"role {role.value} cannot approve {model.name} on behalf of the required roles",
            hint="each required role signs for itself",
        )
    tx.insert_signature(
        req.id,
        Signature(role=role, actor=actor, approve=approve, reason=reason, created_at=tx.now()),
    )
    signed = tx.requests(model.id)[-1]
    if not approve:
        tx.set_request_state(req.id, RequestState.REJECTED)
        tx.set_status(model.id, ModelStatus.REJECTED)
    elif not signed.missing_roles:
        tx.set_request_state(req.id, RequestState.APPROVED)
        tx.set_status(model.id, ModelStatus.APPROVED)
    return tx.requests(model.id)[-1]


def explain(tx: Tx, model: ModelRecord) -> str:
    """One sentence on why a model is, or is not, approved."""
    passport = tx.latest_passport(model.id)
    if passport is None or passport.manifest_digest != model.manifest_digest:
        return f"{model.name} has not been vetted for its current files"
    if passport.decision is Decision.REJECT:
        why = "; ".join(passport.reasons) or "no reason recorded"
        return f"the policy rejected {model.name}: {why}"
    requests = [r for r in tx.requests(model.id) if _valid(r, model, passport)]
    if not requests:
        if status_for(passport) is ModelStatus.APPROVED:
            return f"{model.name} is approved by policy"
        return f"{model.name} waits for an approval request"
    req = requests[-1]
    if req.state is RequestState.REJECTED:
        sig = next(s for s in reversed(req.signatures) if not s.approve)
        return f"{sig.actor} ({sig.role.value}) rejected {model.name}: {sig.reason}"
    if req.state is RequestState.APPROVED:
        who = ", ".join(f"{s.actor} ({s.role.value})" for s in req.signatures) or "policy"
        return f"{model.name} is approved by {who}"
    missing = ", ".join(r.value for r in req.missing_roles)
    return f"{model.name} waits for {missing} review"


def _valid(req: ApprovalRequest, model: ModelRecord, passport: PassportRecord) -> bool:
    return req.manifest_digest == model.manifest_digest and req.passport_version == (
        passport.version
    )
