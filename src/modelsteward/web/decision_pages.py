"""Signing selection and contribution decisions from the approval queue page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from modelsteward.errors import StewardError
from modelsteward.services import approval
from modelsteward.web.access import service_of, writer
from modelsteward.web.auth import CSRF_FIELD
from modelsteward.web.pages import flash_redirect, form_verdict, read_form, safe_next

router = APIRouter(include_in_schema=False)


@router.post("/decisions/{decision_id}/review")
async def review_decision(request: Request, decision_id: int) -> Response:
    """Approve or reject a pending decision record in the viewer's role."""
    form = await read_form(request)
    return await run_in_threadpool(_review, request, decision_id, form)


def _review(request: Request, decision_id: int, form: dict[str, str]) -> Response:
    actor, _ = writer(request, form.get(CSRF_FIELD))
    approve = form_verdict(form)
    back = safe_next(form.get("next") or "/approvals")
    try:
        record = approval.sign_decision(
            service_of(request),
            decision_id,
            actor,
            form.get("comment", ""),
            approve=approve,
        )
    except StewardError as exc:
        return flash_redirect(request, back, "error", f"refused: {exc.message}")
    waits = ", ".join(r.value for r in record.missing_roles)
    text = f"{record.kind} {record.name} is {record.state.value}"
    return flash_redirect(request, back, "ok", text + (f"; waits for {waits}" if waits else ""))
