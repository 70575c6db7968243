"""The data each page and each API list shows, built from the registry's services once for
both the HTML pages and the JSON API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from modelsteward.errors import StewardError
from modelsteward.findings import Severity
from modelsteward.registry import (
    ApprovalRequest,
    Decision,
    ExceptionRecord,
    ModelRecord,
    ModelStatus,
    RegistryService,
    Role,
)
from modelsteward.registry.catalog import Page, PassportView
from modelsteward.registry.records import DecisionRecord, ModelQuery
from modelsteward.services.exceptions import ExceptionAsk
from modelsteward.services.review import (
    burndown,
    diff_passports,
    passport_sections,
    sla_boards,
)
from modelsteward.web.state import Viewer

SEVERITY_NAMES = {int(s): s.label for s in Severity}


class WebError(StewardError):
    """A request the web app refuses, with its HTTP status."""

    def __init__(self, status: int, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status


def today() -> date:
    """The current UTC date."""
    return datetime.now(UTC).date()


def model_dict(model: ModelRecord) -> dict[str, object]:
    """A model as listed: the registry's JSON form plus the catalog summary."""
    return {
        **model.to_dict(),
        "decision": model.decision.value if model.decision else None,
        "license_family": model.license_family,
        "max_severity": (
            SEVERITY_NAMES[model.max_severity] if model.max_severity is not None else None
        ),
    }


def page_dict(page: Page[Any], items: list[Any]) -> dict[str, object]:
    """The JSON envelope of a paged list."""
    return {"items": items, "total": page.total, "limit": page.limit, "offset": page.offset}


def _choice(value: str | None, parse: Any, what: str) -> Any:
    if not value:
        return None
    try:
        return parse(value)
    except ValueError:
        raise WebError(400, f"unknown {what} {value!r}") from None


def model_query(
    *,
    text: str = "",
    status: str | None = None,
    decision: str | None = None,
    license_family: str | None = None,
    severity: str | None = None,
    deployment: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ModelQuery:
    """A catalog query from request parameters.

    Raises:
        WebError: (400) when a filter names no known value.
    """
    sev = _choice(severity, Severity.parse, "severity")
    return ModelQuery(
        text=text[:200],
        status=_choice(status, ModelStatus, "status"),
        decision=_choice(decision, Decision, "decision"),
        license_family=license_family or None,
        min_severity=int(sev) if sev is not None else None,
        deployment=deployment or None,
        limit=limit,
        offset=offset,
    )


def passport_view(
    service: RegistryService, ref: str, version: int | None = None
) -> tuple[PassportView, dict[str, Any]]:
    """A model's passport and its sections (with the SLA clocks of its deployments)."""
    view = service.catalog.passport(ref, version)
    clocks = service.catalog.sla_clocks(sorted({d.target for d in view.deployments}))
    sections = passport_sections(view.passport.passport if view.passport else {}, clocks, today())
    return view, sections


def passport_dict(view: PassportView, sections: dict[str, Any], why: str) -> dict[str, object]:
    """The JSON form of a passport page."""
    p = view.passport
    return {
        "model": model_dict(view.model),
        "explanation": why,
        "versions": [{"version": v, "decision": d, "created_at": c} for v, d, c in view.versions],
        "passport": (
            {
                "version": p.version,
                "decision": p.decision.value,
                "required_roles": [r.value for r in p.required_roles],
                "reasons": list(p.reasons),
                "manifest_digest": p.manifest_digest,
                "current": p.manifest_digest == view.model.manifest_digest,
                "actor": p.actor,
                "created_at": p.created_at,
                "sections": sections,
                "document": dict(p.passport),
            }
            if p
            else None
        ),
        "files": view.files,
        "requests": [r.to_dict() for r in view.requests],
        "deployments": [d.to_dict() for d in view.deployments],
    }


def diff_view(service: RegistryService, ref: str, old: int, new: int) -> dict[str, object]:
    """What changed between two passport versions of a model."""
    model, a, b = service.catalog.passport_pair(ref, old, new)
    diff = diff_passports(
        a.passport, b.passport, old_decision=a.decision.value, new_decision=b.decision.value
    )
    return {
        "model": model_dict(model),
        "from": old,
        "to": new,
        "empty": diff.empty,
        **diff.to_dict(),
    }


def queue_roles(viewer: Viewer) -> list[Role] | None:
    """The roles whose requests the viewer's queue shows (None: all of them)."""
    role = viewer.role
    if role is None or role in (Role.ADMIN, Role.REQUESTER):
        return None
    return [role]


def queue_item(model: ModelRecord, req: ApprovalRequest, viewer: Viewer) -> dict[str, object]:
    """One row of the approval queue, with whether the viewer's role is asked to sign."""
    return {
        "model": model_dict(model),
        "request": req.to_dict(),
        "own_request": viewer.actor is not None and viewer.actor.name == req.requester,
        "asks_viewer": viewer.role is not None and viewer.role in req.missing_roles,
    }


def decision_item(record: DecisionRecord, viewer: Viewer) -> dict[str, object]:
    """One decision record of the queue (without its payload), with whether the viewer
    recorded it and whether the viewer's role is asked to sign."""
    return {
        "decision": {**record.to_dict(), "payload": None},
        "own_request": viewer.actor is not None and viewer.actor.name == record.requester,
        "asks_viewer": viewer.role is not None and viewer.role in record.missing_roles,
    }


def exception_row(record: ExceptionRecord, day: date, drifted: bool) -> dict[str, object]:
    """An exception as the exceptions page and list show it: ``drifted`` when its stored
    row disagrees with the state the audit chain recorded (it then waives nothing)."""
    return {**exception_dict(record, day), "drifted": drifted}


def sla_view(service: RegistryService) -> list[dict[str, object]]:
    """The SLA board of every deployment."""
    return [b.to_dict() for b in sla_boards(service.sla_state().entries(), today())]


def exception_dict(record: ExceptionRecord, day: date) -> dict[str, object]:
    """An exception with its status on ``day`` (``expired`` for an approved one past its
    last day)."""
    return {**record.to_dict(), "status": record.status(day)}


def exception_rows(service: RegistryService, day: date) -> list[dict[str, object]]:
    """Every exception as stored, each marked when it drifted from the audit chain (all of
    them when the chain itself is broken)."""
    records = service.catalog.exceptions()
    intact, drifted = service.exception_drift()
    return [exception_row(e, day, not intact or e.id in drifted) for e in records]


def exception_ask(fields: dict[str, str]) -> ExceptionAsk:
    """An exception request from form or JSON fields.

    Raises:
        WebError: (400) when the expiry is not a date.
    """
    try:
        expires = date.fromisoformat(fields.get("expires", "").strip())
    except ValueError:
        raise WebError(400, "the expiry must be a date (YYYY-MM-DD)") from None
    return ExceptionAsk(
        rule_id=fields.get("rule_id", "").strip(),
        model=fields.get("model", "").strip(),
        finding=fields.get("finding", "").strip() or "*",
        path=fields.get("path", "").strip() or "*",
        reason=fields.get("reason", "").strip(),
        owner=fields.get("owner", "").strip(),
        expires=expires,
    )


def dashboard(service: RegistryService, days: int = 30) -> dict[str, Any]:
    """The counts the dashboard charts draw."""
    day = today()
    since = (day - timedelta(days=days - 1)).isoformat()
    severities, statuses, verdicts = service.catalog.counts(since)
    labels = [(day - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
    per_day = {label: [0, 0] for label in labels}
    for d, approve, count in verdicts:
        if d in per_day:
            per_day[d][0 if approve else 1] += count
    return {
        "severity": {
            (SEVERITY_NAMES[k] if k is not None else "none"): v for k, v in severities.items()
        },
        "status": statuses,
        "verdicts": {"labels": labels, "pairs": [tuple(per_day[x]) for x in labels]},
        "burndown": [
            {"day": d.isoformat(), "open": o, "overdue": od}
            for d, o, od in burndown(service.sla_state().entries(), day, days)
        ],
    }
