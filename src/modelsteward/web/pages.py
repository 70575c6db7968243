"""The server-rendered pages: plain HTML forms, no script."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from modelsteward.errors import StewardError
from modelsteward.services import approval
from modelsteward.services import exceptions as exception_flow
from modelsteward.services.review import severity_counts
from modelsteward.services.usage import gateway_usage
from modelsteward.web import charts
from modelsteward.web.access import (
    chain_of,
    identify,
    options_of,
    policy_of,
    reader,
    service_of,
    sign_in,
    signer_of,
    writer,
)
from modelsteward.web.auth import CSRF_FIELD, FLASH_COOKIE, LOGIN_COOKIE, SESSION_COOKIE
from modelsteward.web.state import Viewer
from modelsteward.web.views import (
    WebError,
    dashboard,
    decision_item,
    diff_view,
    exception_ask,
    exception_rows,
    model_dict,
    model_query,
    passport_dict,
    passport_view,
    queue_item,
    queue_roles,
    sla_view,
    today,
)

router = APIRouter(include_in_schema=False)

MAX_FORM_BYTES = 16 * 1024
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals["charts"] = charts


def render(
    request: Request, template: str, viewer: Viewer | None, http_status: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page with the layout's context (viewer, flash message, CSRF secret)."""
    flash = signer_of(request).loads(request.cookies.get(FLASH_COOKIE))
    html = _ENV.get_template(template).render(
        viewer=viewer,
        path=request.url.path,
        flash=flash if isinstance(flash, dict) else None,
        csrf=viewer.csrf if viewer else "",
        **context,
    )
    response = HTMLResponse(html, status_code=http_status)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def error_page(request: Request, status: int, message: str, hint: str) -> Response:
    """An error as a page; a page that needs a sign-in sends the visitor to sign in."""
    if status == 401:
        target = "/login?" + urlencode({"next": request.url.path})
        return RedirectResponse(target, status_code=303)
    try:
        viewer: Viewer | None = identify(request)
    except StewardError:
        viewer = None
    return render(request, "error.html", viewer, status, status=status, message=message, hint=hint)


def flash_redirect(request: Request, target: str, kind: str, text: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    options = options_of(request)
    response.set_cookie(
        FLASH_COOKIE,
        signer_of(request).dumps({"kind": kind, "text": text}),
        httponly=True,
        samesite="strict",
        secure=options.secure_cookies,
        path="/",
    )
    return response


async def read_form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        raise WebError(415, "send the form as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise WebError(413, "the form is too large")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def form_verdict(form: dict[str, str]) -> bool:
    """A review form's verdict: True to approve, False to reject; anything else is a 400."""
    verdict = form.get("verdict")
    if verdict not in ("approve", "reject"):
        raise WebError(400, "the verdict must be approve or reject")
    return verdict == "approve"


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


# -- sign in and out ------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    import secrets

    nonce = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", None, next=safe_next(next), login_csrf=nonce, error=None
    )
    options = options_of(request)
    response.set_cookie(
        LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=options.secure_cookies
    )
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    """Exchange a registry token for a session."""
    from modelsteward.web.auth import same_secret

    form = await read_form(request)
    if not same_secret(form.get(CSRF_FIELD), request.cookies.get(LOGIN_COOKIE) or "\0"):
        raise WebError(403, "the sign-in form expired", hint="reload the page and retry")
    try:
        actor, cookie = sign_in(request, form.get("token", ""))
    except WebError as exc:
        page = render(
            request,
            "login.html",
            None,
            401,
            next=safe_next(form.get("next")),
            login_csrf=request.cookies.get(LOGIN_COOKIE, ""),
            error=exc.message,
        )
        return page
    response = flash_redirect(
        request, safe_next(form.get("next")), "ok", f"signed in as {actor.name} ({actor.role})"
    )
    options = options_of(request)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=options.session_ttl_s,
        httponly=True,
        samesite="strict",
        secure=options.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    form = await read_form(request)
    writer(request, form.get(CSRF_FIELD))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- read-only pages ------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    """Counts and charts."""
    viewer = reader(request)
    data = dashboard(service_of(request))
    queue = service_of(request).catalog.approval_queue(queue_roles(viewer), limit=1)
    return render(request, "dashboard.html", viewer, data=data, queue_total=queue.total)


@router.get("/models")
def models(
    request: Request,
    q: str = "",
    decision: str = "",
    status: str = "",
    license_family: str = "",
    severity: str = "",
    deployment: str = "",
    page: int = 1,
) -> Response:
    """Search and filter models."""
    viewer = reader(request)
    size = options_of(request).page_size
    page = max(1, min(page, 1_000_000))
    query = model_query(
        text=q,
        status=status or None,
        decision=decision or None,
        license_family=license_family or None,
        severity=severity or None,
        deployment=deployment or None,
        limit=size,
        offset=(page - 1) * size,
    )
    result = service_of(request).catalog.models(query)
    families, targets = service_of(request).catalog.facets()
    filters = {
        "q": q,
        "decision": decision,
        "status": status,
        "license_family": license_family,
        "severity": severity,
        "deployment": deployment,
    }
    base = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "models.html",
        viewer,
        models=[model_dict(m) for m in result.items],
        total=result.total,
        page=page,
        has_next=result.has_next,
        prev_url="/models?" + urlencode({**base, "page": page - 1}) if page > 1 else None,
        next_url="/models?" + urlencode({**base, "page": page + 1}) if result.has_next else None,
        filters=filters,
        families=families,
        targets=targets,
    )


@router.get("/models/{ref}")
def model(request: Request, ref: str, version: int | None = None) -> Response:
    """A model's passport."""
    viewer = reader(request)
    service = service_of(request)
    view, sections = passport_view(service, ref, version)
    data = passport_dict(view, sections, service.explain(view.model.id))
    counts = sections["severity_counts"] if view.passport else severity_counts(())
    return render(request, "passport.html", viewer, m=data, counts=counts)


@router.get("/models/{ref}/diff")
def diff(request: Request, ref: str, old: int = 0, new: int = 0) -> Response:
    """The difference between two passport versions (``?old=1&new=2``)."""
    viewer = reader(request)
    if old < 1 or new < 1:
        raise WebError(400, "give two passport versions", hint="?old=1&new=2")
    return render(request, "diff.html", viewer, d=diff_view(service_of(request), ref, old, new))


@router.get("/approvals")
def approvals(request: Request, page: int = 1, dpage: int = 1) -> Response:
    """The approval queue for the viewer's role: models' requests, then selection and
    contribution decisions (each paged on its own)."""
    viewer = reader(request)
    size = options_of(request).page_size
    page, dpage = max(1, min(page, 1_000_000)), max(1, min(dpage, 1_000_000))
    catalog = service_of(request).catalog
    result = catalog.approval_queue(queue_roles(viewer), limit=size, offset=(page - 1) * size)
    decisions = catalog.decision_queue(queue_roles(viewer), limit=size, offset=(dpage - 1) * size)
    return render(
        request,
        "approvals.html",
        viewer,
        items=[queue_item(m, r, viewer) for m, r in result.items],
        total=result.total,
        page=page,
        has_next=result.has_next,
        decisions=[decision_item(d, viewer) for d in decisions.items],
        decisions_total=decisions.total,
        dpage=dpage,
        decisions_next=decisions.has_next,
    )


@router.get("/exceptions")
def exceptions(request: Request) -> Response:
    """Exceptions: active, expired and revoked; request and revoke."""
    viewer = reader(request)
    day = today()
    records = exception_rows(service_of(request), day)
    order = {"requested": 0, "approved": 1}
    records.sort(key=lambda e: (order.get(str(e["status"]), 2), -int(str(e["id"]))))
    rules = sorted(r.id for r in _leaf_rules(policy_of(request).rules))
    return render(
        request, "exceptions.html", viewer, items=records, today=day.isoformat(), rules=rules
    )


def _leaf_rules(rules: Any) -> Iterator[Any]:
    for rule in rules:
        if rule.rules:
            yield from _leaf_rules(rule.rules)
        else:
            yield rule


@router.get("/sla")
def sla(request: Request) -> Response:
    """The SLA board of every deployment."""
    viewer = reader(request)
    return render(request, "sla.html", viewer, boards=sla_view(service_of(request)), today=today())


@router.get("/deployments")
def deployments(request: Request, page: int = 1) -> Response:
    """Deployments, newest first."""
    viewer = reader(request)
    size = options_of(request).page_size
    page = max(1, min(page, 1_000_000))
    result = service_of(request).catalog.deployments(limit=size, offset=(page - 1) * size)
    return render(
        request,
        "deployments.html",
        viewer,
        items=[(d.to_dict(), name) for d, name in result.items],
        total=result.total,
        page=page,
        has_next=result.has_next,
    )


@router.get("/audit")
def audit(request: Request, before: int | None = None, action: str = "") -> Response:
    """The audit log, newest first, with the chain's verification status."""
    viewer = reader(request)
    if not viewer.can_read_audit():
        raise WebError(403, "the audit log is for admin, security, legal and safety reviewers")
    size = options_of(request).page_size
    page = service_of(request).catalog.audit(before=before, limit=size, action=action[:64] or None)
    result, checked_at, current = chain_of(request).current()
    last = page.items[-1].seq if page.items else None
    more = last is not None and last > 1 and len(page.items) == size
    next_url = "/audit?" + urlencode({"before": last, **({"action": action} if action else {})})
    return render(
        request,
        "audit.html",
        viewer,
        entries=[e.to_dict() for e in page.items],
        total=page.total,
        action=action,
        verification=result.to_dict() if result else None,
        checked_at=checked_at,
        current=current,
        next_url=next_url if more else None,
    )


@router.get("/usage")
def usage(request: Request) -> Response:
    """Gateway usage by key and by model."""
    viewer = reader(request)
    if not viewer.can_read_usage():
        raise WebError(403, "gateway usage is for admin and security reviewers")
    path = options_of(request).gateway_audit
    data = gateway_usage(path) if path is not None else None
    return render(
        request,
        "usage.html",
        viewer,
        usage=data.to_dict() if data else None,
        key_bars=[(r.name, r.requests, "info") for r in data.by_key[:8]] if data else [],
        model_bars=[(r.name, r.requests, "info") for r in data.by_model[:8]] if data else [],
    )


# -- actions --------------------------------------------------------------------------------


@router.post("/models/{ref}/request")
async def request_approval(request: Request, ref: str) -> Response:
    """Open the approval request for a model's current passport."""
    form = await read_form(request)
    return await run_in_threadpool(_request_approval, request, ref, form)


def _request_approval(request: Request, ref: str, form: dict[str, str]) -> Response:
    actor, _ = writer(request, form.get(CSRF_FIELD))
    target = f"/models/{ref}"
    try:
        verdict = approval.request(service_of(request), ref, actor)
    except StewardError as exc:
        return flash_redirect(request, target, "error", exc.message)
    return flash_redirect(request, target, "ok", verdict.explanation)


@router.post("/approvals/{ref}")
async def sign(request: Request, ref: str) -> Response:
    """Approve or reject a model's pending request in the viewer's role."""
    form = await read_form(request)
    return await run_in_threadpool(_sign, request, ref, form)


def _sign(request: Request, ref: str, form: dict[str, str]) -> Response:
    actor, _ = writer(request, form.get(CSRF_FIELD))
    approve = form_verdict(form)
    back = safe_next(form.get("next") or "/approvals")
    try:
        result = approval.sign(
            service_of(request), ref, actor, form.get("comment", ""), approve=approve
        )
    except StewardError as exc:
        return flash_redirect(request, back, "error", f"refused: {exc.message}")
    return flash_redirect(request, back, "ok", result.explanation)


@router.post("/exceptions")
async def add_exception(request: Request) -> Response:
    """Record a policy exception."""
    form = await read_form(request)
    return await run_in_threadpool(_add_exception, request, form)


def _add_exception(request: Request, form: dict[str, str]) -> Response:
    actor, _ = writer(request, form.get(CSRF_FIELD))
    try:
        ask = exception_ask(form)
        record = exception_flow.request_exception(
            service_of(request), policy_of(request), ask, actor.name
        )
    except StewardError as exc:
        return flash_redirect(request, "/exceptions", "error", f"refused: {exc.message}")
    waits = ", ".join(r.value for r in record.required_roles)
    return flash_redirect(
        request, "/exceptions", "ok", f"exception {record.id} requested; waits for {waits}"
    )


@router.post("/exceptions/{exception_id}/review")
async def review_exception(request: Request, exception_id: int) -> Response:
    """Approve or reject a requested exception in the viewer's role."""
    form = await read_form(request)
    return await run_in_threadpool(_review_exception, request, exception_id, form)


def _review_exception(request: Request, exception_id: int, form: dict[str, str]) -> Response:
    actor, _ = writer(request, form.get(CSRF_FIELD))
    approve = form_verdict(form)
    service = service_of(request)
    sign = service.approve_exception if approve else service.reject_exception
    try:
        record = sign(exception_id, actor.role, actor.name, form.get("comment", ""))
    except StewardError as exc:
        return flash_redirect(request, "/exceptions", "error", f"refused: {exc.message}")
    return flash_redirect(
        request, "/exceptions", "ok", f"exception {exception_id} {record.state.value}"
    )


@router.post("/exceptions/{exception_id}/revoke")
async def revoke_exception(request: Request, exception_id: int) -> Response:
    """Revoke an exception."""
    form = await read_form(request)
    return await run_in_threadpool(_revoke_exception, request, exception_id, form)


def _revoke_exception(request: Request, exception_id: int, form: dict[str, str]) -> Response:
    actor, _ = writer(request, form.get(CSRF_FIELD))
    try:
        service_of(request).revoke_exception(exception_id, actor, form.get("reason", ""))
    except StewardError as exc:
        return flash_redirect(request, "/exceptions", "error", f"refused: {exc.message}")
    return flash_redirect(request, "/exceptions", "ok", f"exception {exception_id} revoked")


@router.post("/audit/verify")
async def verify_chain(request: Request) -> Response:
    """Walk the whole audit chain now."""
    form = await read_form(request)
    return await run_in_threadpool(_verify_chain, request, form)


def _verify_chain(request: Request, form: dict[str, str]) -> Response:
    _, viewer = writer(request, form.get(CSRF_FIELD))
    if not viewer.can_read_audit():
        raise WebError(403, "the audit log is for admin, security, legal and safety reviewers")
    result = chain_of(request).verify_now()
    text = (
        f"chain intact: {result.count} entries"
        if result.ok
        else f"chain BROKEN at entry {result.first_bad_seq}: {result.detail}"
    )
    return flash_redirect(request, "/audit", "ok" if result.ok else "error", text)
