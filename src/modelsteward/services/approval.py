"""Approving and rejecting a model's pending request as an identified actor."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.registry import Actor, ApprovalError, ApprovalRequest, RegistryService, Role


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
    if actor.role is Role.REQUESTER:
        raise ApprovalError(
            "a requester cannot sign approvals",
            hint="sign as legal, security, safety or admin",
        )
    if not reason.strip():
        raise ApprovalError("a verdict needs a reason", hint="say why (it goes in the audit log)")
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
