"""The ``registry`` commands: add, list, show, request, approve, reject, check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.demo_context import Section
from modelsteward.cli.registry_admin import register_admin
from modelsteward.cli.registry_options import ActorOpt, ReasonOpt, RegistryOpt, TokenOpt
from modelsteward.cli.registry_session import acting, open_service
from modelsteward.cli.state import CliState, get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Finding, Location, Report, Rule, Severity
from modelsteward.inventory import walk_model
from modelsteward.registry import (
    ApprovalRequest,
    ModelRecord,
)
from modelsteward.report import SummaryTable
from modelsteward.services import approval

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = ()
"""Sections this area adds to ``modelsteward demo`` (the vet area shows the registry)."""

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            id="registry.model.not-approved",
            summary="The files are not those of an approved model.",
            help="Vet the model, record its passport and collect the required approvals.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="registry.audit.edited",
            summary="An audit entry was changed after it was written.",
            help="Restore the registry from a backup and investigate who had write access.",
            severity=Severity.CRITICAL,
        ),
        Rule(
            id="registry.audit.deleted",
            summary="Audit entries were deleted.",
            help="Restore the registry from a backup and investigate who had write access.",
            severity=Severity.CRITICAL,
        ),
        Rule(
            id="registry.audit.reordered",
            summary="Audit entries were moved out of their order.",
            help="Restore the registry from a backup and investigate who had write access.",
            severity=Severity.CRITICAL,
        ),
        Rule(
            id="registry.audit.unsigned",
            summary="The chain head is not covered by a valid signed checkpoint.",
            help="Give every writer the audit key; otherwise the chain may have been rewritten.",
            severity=Severity.CRITICAL,
        ),
        Rule(
            id="registry.state.drift",
            summary="A stored row disagrees with what the audit chain recorded.",
            help="The row was edited behind the service: it approves nothing. Restore it "
            "from a backup and investigate who had write access.",
            severity=Severity.CRITICAL,
        ),
    )
}


def model_rows(models: list[ModelRecord]) -> tuple[tuple[str, ...], ...]:
    """Table rows for models."""
    return tuple(
        (str(m.id), m.name, m.status.value, str(m.file_count), m.manifest_digest[:12], m.updated_at)
        for m in models
    )


MODEL_COLUMNS = ("id", "name", "status", "files", "manifest", "updated")


def register(app: typer.Typer) -> None:
    """Add the ``registry`` command group to ``app``."""
    group = typer.Typer(
        help="Models, passports, approvals, exceptions, deployments and the audit log.",
        no_args_is_help=True,
    )
    group.command("add")(add)
    group.command("list")(list_models)
    group.command("show")(show)
    group.command("request")(request)
    group.command("approve")(approve)
    group.command("reject")(reject)
    group.command("check")(check)
    register_admin(group)
    app.add_typer(group, name="registry")


def add(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Model directories or files.")],
    name: Annotated[
        str | None, typer.Option(help="Model name (one PATH only); default: the directory name.")
    ] = None,
    revision: Annotated[str, typer.Option(help="Revision (commit, tag).")] = "",
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Register models with the SHA-256 of every file; a changed file voids approvals."""
    state = get_state(ctx)
    if name and len(paths) > 1:
        raise UsageError("--name applies to one PATH", hint="register the paths one by one")
    report = Report()
    added: list[ModelRecord] = []
    with (
        acting(state, registry, as_, token) as (service, actor),
        state.progress_bar(len(paths), "add") as adv,
    ):
        for path in paths:
            inv = walk_model(path)
            report = report.merge(inv.report)
            files = {a.relpath: a.sha256 for a in inv.artifacts if a.sha256}
            model_name = name or inv.source.name or Path(inv.source.root).name
            added.append(
                service.add_model(
                    model_name,
                    source=inv.source.given,
                    revision=revision or inv.source.revision or "",
                    files=files,
                    actor=actor.name,
                )
            )
            adv(1)
    table = SummaryTable(title="registered", columns=MODEL_COLUMNS, rows=model_rows(added))
    models = [m.to_dict() for m in added]
    return state.emit("registry add", report, sections={"models": models}, summary=(table,))


def list_models(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many models.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many models.")] = 0,
    registry: RegistryOpt = None,
) -> int:
    """List registered models with their status."""
    state = get_state(ctx)
    with open_service(state, registry) as service:
        models = service.list_models(limit, offset)
        total = service.count_models()
    if models:
        title = f"models {offset + 1}-{offset + len(models)} of {total}"
    else:
        title = f"no models at offset {offset} of {total}" if total else "no models registered"
    table = SummaryTable(
        title=title,
        columns=MODEL_COLUMNS,
        rows=model_rows(models),
    )
    sections = {"models": [m.to_dict() for m in models], "total": total}
    return state.emit("registry list", Report(), sections=sections, summary=(table,))


def show(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model id or name.")],
    registry: RegistryOpt = None,
) -> int:
    """Show a model: files, passports, approval requests, deployments."""
    state = get_state(ctx)
    with open_service(state, registry) as service:
        detail = service.show(model)
        why = service.explain(detail.model.id)
        from modelsteward.registry.decisions import list_decisions

        decisions = list_decisions(service.store, model=detail.model.name)
    from modelsteward.cli.evaluate import evaluation_line

    m = detail.model
    facts = SummaryTable(
        title=f"{m.name} (id {m.id})",
        columns=("field", "value"),
        rows=(
            ("status", m.status.value),
            ("why", why),
            ("source", m.source),
            ("revision", m.revision or "-"),
            ("manifest", m.manifest_digest),
            (
                "passports",
                ", ".join(f"v{p.version} {p.decision.value}" for p in detail.passports) or "-",
            ),
            (
                "deployments",
                ", ".join(f"{d.target} ({d.engine})" for d in detail.deployments) or "-",
            ),
            ("safety evaluation", evaluation_line(detail.passports, m.manifest_digest)),
        ),
    )
    files = SummaryTable(
        title="files", columns=("file", "sha256"), rows=tuple(detail.files.items())
    )
    reqs = SummaryTable(
        title="approval requests",
        columns=("id", "requester", "state", "missing", "signatures"),
        rows=tuple(_request_row(r) for r in detail.requests),
    )
    chosen = SummaryTable(
        title="decisions about this model",
        columns=("id", "kind", "name", "choice", "state"),
        rows=tuple((str(d.id), d.kind, d.name, d.subject, d.state.value) for d in decisions),
    )
    sections = {
        **detail.to_dict(),
        "explanation": why,
        "decisions": [d.to_dict() | {"payload": None} for d in decisions],
    }
    tables = (facts, files, reqs, chosen) if decisions else (facts, files, reqs)
    return state.emit("registry show", Report(), sections=sections, summary=tables)


def _request_row(req: ApprovalRequest) -> tuple[str, ...]:
    sigs = "; ".join(
        f"{s.actor} ({s.role.value}) {'approved' if s.approve else 'rejected'}: {s.reason}"
        for s in req.signatures
    )
    missing = ", ".join(r.value for r in req.missing_roles) or "-"
    return (str(req.id), req.requester, req.state.value, missing, sigs or "-")


def _emit_request(state: CliState, command: str, req: ApprovalRequest, why: str) -> int:
    table = SummaryTable(
        title=why,
        columns=("id", "requester", "state", "missing", "signatures"),
        rows=(_request_row(req),),
    )
    sections = {"request": req.to_dict(), "explanation": why}
    return state.emit(command, Report(), sections=sections, summary=(table,))


def request(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model id or name.")],
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Ask the reviewers the passport names to approve the model's current files."""
    state = get_state(ctx)
    with acting(state, registry, as_, token) as (service, actor):
        verdict = approval.request(service, model, actor)
    return _emit_request(state, "registry request", verdict.request, verdict.explanation)


def approve(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model id or name.")],
    reason: ReasonOpt,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Sign the pending request in your role (never your own request)."""
    return _sign(ctx, model, reason, (registry, as_, token), approve=True)


def reject(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model id or name.")],
    reason: ReasonOpt,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Reject the pending request in your role."""
    return _sign(ctx, model, reason, (registry, as_, token), approve=False)


def _sign(
    ctx: typer.Context,
    model: str,
    reason: str,
    who: tuple[str | None, str | None, str | None],
    *,
    approve: bool,
) -> int:
    state = get_state(ctx)
    with acting(state, *who) as (service, actor):
        verdict = approval.sign(service, model, actor, reason, approve=approve)
    command = "registry approve" if approve else "registry reject"
    return _emit_request(state, command, verdict.request, verdict.explanation)


def check(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Model directories or files.")],
    registry: RegistryOpt = None,
) -> int:
    """Exit 0 when every PATH holds exactly the files of an approved model (what the gateway
    asks before serving)."""
    state = get_state(ctx)
    findings: list[Finding] = []
    rows: list[tuple[str, ...]] = []
    results: list[dict[str, object]] = []
    with open_service(state, registry) as service:
        for path in paths:
            inv = walk_model(path)
            files = {a.relpath: a.sha256 for a in inv.artifacts if a.sha256}
            status = service.is_approved(files)
            rows.append((str(path), "yes" if status.approved else "no", status.reason))
            results.append(
                {
                    "path": str(path),
                    "approved": status.approved,
                    "model": status.model,
                    "reason": status.reason,
                }
            )
            if not status.approved:
                findings.append(
                    Finding(
                        rule_id="registry.model.not-approved",
                        severity=Severity.HIGH,
                        message=status.reason,
                        location=Location(path=str(path)),
                        evidence=status.model or "",
                    )
                )
    table = SummaryTable(title="approval", columns=("path", "approved", "why"), rows=tuple(rows))
    return state.emit(
        "registry check",
        Report.of(findings),
        sections={"results": results},
        summary=(table,),
        rules=RULES,
        denied=bool(findings),
    )
