"""Approving and rejecting, as an identified actor, what waits for review: a model's
pending request, and a selection or contribution decision record."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.registry import Actor, ApprovalError, ApprovalRequest, RegistryService, Role
from modelsteward.registry.decisions import sign_decision as _sign_decision
from modelsteward.registry.records import DecisionRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The request after a signature, and where the model now stands."""

    request: ApprovalRequest
    explanation: str


def sign(
    service: RegistryService, model: int | str, actor: Actor, reason: str, *, approve: bool
) -> Verdict:
    """Sign the model's pending request in ``actor``'s role, under separation of duties.

    Raises:
        ApprovalError: when a requester tries to sign, no reason is given, or the
            registry's separation-of-duties rules refuse the signature.
        NotFoundError: when the model does not exist.
    """
    _may_sign(actor, reason)
    if approve:
        req = service.approve(model, actor.role, actor.name, reason)
    else:
        req = service.reject(model, actor.role, actor.name, reason)
    return Verdict(request=req, explanation=service.explain(model))


def request(service: RegistryService, model: int | str, actor: Actor) -> Verdict:
    """Open (or return) the approval request for the model's current passport.

    Raises:
        RegistryError: when the model has no current passport.
        ApprovalError: when the policy or a reviewer rejected it.
    """
    req = service.request_approval(model, actor.name)
    return Verdict(request=req, explanation=service.explain(model))


def sign_decision(
    service: RegistryService, decision_id: int, actor: Actor, reason: str, *, approve: bool
) -> DecisionRecord:
    """Sign a pending selection or contribution decision in ``actor``'s role, under the
    same separation of duties as a model's request: never the one who recorded it, one
    person per role, only the roles it waits for approve, any of them (or an admin)
    rejects.

    Raises:
        ApprovalError: when a requester tries to sign, no reason is given, the record is
            not pending, or separation of duties refuses the signature.
        NotFoundError: when the record does not exist.
    """
    _may_sign(actor, reason)
    return _sign_decision(
        service.store,
        decision_id,
        role=actor.role,
        actor=actor.name,
        reason=reason,
        approve=approve,
    )


def _may_sign(actor: Actor, reason: str) -> None:
    if actor.role is Role.REQUESTER:
        raise ApprovalError(
            "a requester cannot sign approvals",
            hint="sign as legal, security, safety or admin",
        )
    if not reason.strip():
        raise ApprovalError("a verdict needs a reason", hint="say why (it goes in the audit log)")
