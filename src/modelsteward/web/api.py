"""The registry's JSON API under ``/api/v1``: the same services as the command line.

Authenticate with ``Authorization: Bearer <registry token>``, or with the web session
cookie plus an ``X-CSRF-Token`` header on writes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from modelsteward.services import approval
from modelsteward.services import exceptions as exception_flow
from modelsteward.services.usage import gateway_usage
from modelsteward.web.access import (
    chain_of,
    options_of,
    policy_of,
    reader,
    service_of,
    writer,
)
from modelsteward.web.state import Viewer
from modelsteward.web.views import (
    WebError,
    dashboard,
    decision_item,
    diff_view,
    exception_ask,
    exception_dict,
    exception_rows,
    model_dict,
    model_query,
    page_dict,
    passport_dict,
    passport_view,
    queue_item,
    queue_roles,
    sla_view,
    today,
)

router = APIRouter(prefix="/api/v1", tags=["registry"])

Reader = Annotated[Viewer, Depends(reader)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


class VerdictIn(BaseModel):
    """A reviewer's verdict."""

    reason: str = Field(min_length=1, max_length=4000)


class ExceptionIn(BaseModel):
    """A policy exception to ask for: the policy rule to waive, for which finding (a glob
    over rule ids) and file (a glob) of which model's current files, until when."""

    rule_id: str = Field(min_length=1, max_length=256)
    model: str = Field(min_length=1, max_length=512)
    finding: str = Field(default="*", min_length=1, max_length=256)
    path: str = Field(default="*", min_length=1, max_length=1024)
    reason: str = Field(min_length=1, max_length=4000)
    owner: str = Field(min_length=1, max_length=256)
    expires: date


class RevokeIn(BaseModel):
    """Why an exception ends now."""

    reason: str = Field(min_length=1, max_length=4000)


@router.get("/me")
def me(viewer: Reader) -> dict[str, object]:
    """Who the caller is."""
    actor = viewer.actor
    return {"name": actor.name, "role": actor.role.value} if actor else {"anonymous": True}


@router.get("/models")
def models(
    request: Request,
    viewer: Reader,
    q: Annotated[str, Query(max_length=200)] = "",
    status: str | None = None,
    decision: str | None = None,
    license_family: str | None = None,
    severity: str | None = None,
    deployment: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, object]:
    """Models matching every given filter, newest first; ``severity`` keeps models whose
    worst finding is at least that severe."""
    query = model_query(
        text=q,
        status=status,
        decision=decision,
        license_family=license_family,
        severity=severity,
        deployment=deployment,
        limit=limit,
        offset=offset,
    )
    page = service_of(request).catalog.models(query)
    return page_dict(page, [model_dict(m) for m in page.items])


@router.get("/models/{ref}")
def model(request: Request, viewer: Reader, ref: str) -> dict[str, object]:
    """A model with its newest passport laid out by section."""
    service = service_of(request)
    view, sections = passport_view(service, ref)
    return passport_dict(view, sections, service.explain(view.model.id))


@router.get("/models/{ref}/passports/{version}")
def passport(request: Request, viewer: Reader, ref: str, version: int) -> dict[str, object]:
    """One passport version of a model."""
    service = service_of(request)
    view, sections = passport_view(service, ref, version)
    return passport_dict(view, sections, service.explain(view.model.id))


@router.get("/models/{ref}/diff")
def diff(
    request: Request,
    viewer: Reader,
    ref: str,
    old: Annotated[int, Query(alias="from", ge=1)],
    new: Annotated[int, Query(alias="to", ge=1)],
) -> dict[str, object]:
    """What changed between two passport versions."""
    return diff_view(service_of(request), ref, old, new)


@router.post("/models/{ref}/request")
def request_approval(request: Request, ref: str) -> dict[str, object]:
    """Ask the reviewers the passport names to approve the model's current files."""
    actor, _ = writer(request, None)
    verdict = approval.request(service_of(request), ref, actor)
    return {"request": verdict.request.to_dict(), "explanation": verdict.explanation}


@router.post("/models/{ref}/approve")
def approve(request: Request, ref: str, body: VerdictIn) -> dict[str, object]:
    """Sign the pending request in the caller's role (never one's own request)."""
    actor, _ = writer(request, None)
    verdict = approval.sign(service_of(request), ref, actor, body.reason, approve=True)
    return {"request": verdict.request.to_dict(), "explanation": verdict.explanation}


@router.post("/models/{ref}/reject")
def reject(request: Request, ref: str, body: VerdictIn) -> dict[str, object]:
    """Reject the pending request in the caller's role."""
    actor, _ = writer(request, None)
    verdict = approval.sign(service_of(request), ref, actor, body.reason, approve=False)
    return {"request": verdict.request.to_dict(), "explanation": verdict.explanation}


@router.get("/approvals")
def approvals(
    request: Request, viewer: Reader, limit: Limit = 50, offset: Offset = 0
) -> dict[str, object]:
    """Pending requests for the caller's role (every pending one for admins, requesters
    and anonymous readers), oldest first."""
    page = service_of(request).catalog.approval_queue(
        queue_roles(viewer), limit=limit, offset=offset
    )
    return page_dict(page, [queue_item(m, r, viewer) for m, r in page.items])


@router.get("/decisions")
def decisions(
    request: Request, viewer: Reader, limit: Limit = 50, offset: Offset = 0
) -> dict[str, object]:
    """Pending selection and contribution decisions for the caller's role (every pending
    one for admins, requesters and anonymous readers), oldest first, without payloads."""
    page = service_of(request).catalog.decision_queue(
        queue_roles(viewer), limit=limit, offset=offset
    )
    return page_dict(page, [decision_item(d, viewer) for d in page.items])


@router.post("/decisions/{decision_id}/approve")
def approve_decision(request: Request, decision_id: int, body: VerdictIn) -> dict[str, object]:
    """Sign a pending decision in the caller's role (never one the caller recorded)."""
    actor, _ = writer(request, None)
    record = approval.sign_decision(
        service_of(request), decision_id, actor, body.reason, approve=True
    )
    return {**record.to_dict(), "payload": None}


@router.post("/decisions/{decision_id}/reject")
def reject_decision(request: Request, decision_id: int, body: VerdictIn) -> dict[str, object]:
    """Reject a pending decision in the caller's role."""
    actor, _ = writer(request, None)
    record = approval.sign_decision(
        service_of(request), decision_id, actor, body.reason, approve=False
    )
    return {**record.to_dict(), "payload": None}


@router.get("/exceptions")
def exceptions(request: Request, viewer: Reader) -> dict[str, object]:
    """Every exception with its status today: requested, approved, expired, rejected,
    revoked or legacy; ``drifted`` when its stored row disagrees with the audit chain (it
    then waives nothing)."""
    day = today()
    return {"items": exception_rows(service_of(request), day), "today": day.isoformat()}


@router.post("/exceptions", status_code=201)
def request_exception(request: Request, body: ExceptionIn) -> dict[str, object]:
    """Ask for an exception; the roles the policy names for the rule must approve it."""
    actor, _ = writer(request, None)
    ask = exception_ask({**body.model_dump(), "expires": body.expires.isoformat()})
    record = exception_flow.request_exception(
        service_of(request), policy_of(request), ask, actor.name
    )
    return exception_dict(record, today())


@router.post("/exceptions/{exception_id}/approve")
def approve_exception(request: Request, exception_id: int, body: VerdictIn) -> dict[str, object]:
    """Approve a requested exception in the caller's role (never one's own request)."""
    actor, _ = writer(request, None)
    record = service_of(request).approve_exception(
        exception_id, actor.role, actor.name, body.reason
    )
    return exception_dict(record, today())


@router.post("/exceptions/{exception_id}/reject")
def reject_exception(request: Request, exception_id: int, body: VerdictIn) -> dict[str, object]:
    """Reject a requested exception in a role it names (or as admin)."""
    actor, _ = writer(request, None)
    record = service_of(request).reject_exception(exception_id, actor.role, actor.name, body.reason)
    return exception_dict(record, today())


@router.post("/exceptions/{exception_id}/revoke")
def revoke_exception(request: Request, exception_id: int, body: RevokeIn) -> dict[str, object]:
    """End an exception now (its requester, a role it names, or an admin)."""
    actor, _ = writer(request, None)
    record = service_of(request).revoke_exception(exception_id, actor, body.reason)
    return exception_dict(record, today())


@router.get("/deployments")
def deployments(
    request: Request, viewer: Reader, limit: Limit = 50, offset: Offset = 0
) -> dict[str, object]:
    """Deployments, newest first."""
    page = service_of(request).catalog.deployments(limit=limit, offset=offset)
    return page_dict(page, [{**d.to_dict(), "model": name} for d, name in page.items])


@router.get("/sla")
def sla(request: Request, viewer: Reader) -> dict[str, object]:
    """The SLA board of every deployment: overdue, due soon, open, accepted, fixed."""
    return {"today": today().isoformat(), "deployments": sla_view(service_of(request))}


def _audit_reader(viewer: Viewer) -> None:
    if not viewer.can_read_audit():
        raise WebError(403, "the audit log is for admin, security, legal and safety reviewers")


@router.get("/audit")
def audit(
    request: Request,
    viewer: Reader,
    before: Annotated[int | None, Query(ge=1)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
) -> dict[str, object]:
    """Audit entries newest first; page on with ``before`` = the last seq seen."""
    _audit_reader(viewer)
    page = service_of(request).catalog.audit(before=before, limit=limit, action=action)
    items = [e.to_dict() for e in page.items]
    return {"items": items, "total": page.total, "limit": page.limit, "before": before}


@router.get("/audit/verify")
def audit_verify(request: Request, viewer: Reader, fresh: bool = False) -> dict[str, object]:
    """The chain's verification: the latest background result, or a full walk now with
    ``fresh=true``."""
    _audit_reader(viewer)
    chain = chain_of(request)
    if fresh:
        return {"current": True, "verification": chain.verify_now().to_dict()}
    result, checked_at, current = chain.current()
    return {
        "current": current,
        "checked_at": checked_at,
        "verification": result.to_dict() if result else None,
    }


@router.get("/usage")
def usage(request: Request, viewer: Reader) -> dict[str, object]:
    """Gateway requests and tokens by key and by model, from the gateway's audit records."""
    if not viewer.can_read_usage():
        raise WebError(403, "gateway usage is for admin and security reviewers")
    path = options_of(request).gateway_audit
    if path is None:
        return {"source": None, "records": 0, "by_key": [], "by_model": []}
    try:
        return gateway_usage(path).to_dict()
    except OSError as exc:
        raise WebError(503, f"cannot read {path}: {exc.strerror or exc}") from exc


@router.get("/dashboard")
def dashboard_counts(request: Request, viewer: Reader) -> dict[str, Any]:
    """The counts behind the dashboard charts."""
    return dashboard(service_of(request))
