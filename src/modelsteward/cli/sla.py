"""The ``sla`` commands: the clocks of deployed vulnerabilities and accepted risks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from modelsteward.cli.state import get_state
from modelsteward.cli.vulns_common import (
    SlaRegistryOption,
    SlaStateOption,
    parse_today,
    state_store,
)
from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.report import SummaryTable
from modelsteward.vulns import (
    RULES,
    RiskException,
    SlaEntry,
    accept_risk,
)
from modelsteward.vulns.rules import EXCEPTION_EXPIRED, OVERDUE


def register_sla(app: typer.Typer) -> None:
    """Add ``sla status`` and ``sla accept``."""
    sla_app = typer.Typer(help="SLA clocks for deployed vulnerabilities.", no_args_is_help=True)
    sla_app.command("status")(sla_status)
    sla_app.command("accept")(sla_accept)
    app.add_typer(sla_app, name="sla")


def sla_status(
    ctx: typer.Context,
    deployment: Annotated[str | None, typer.Option(help="Only this deployment.")] = None,
    sla_state: SlaStateOption = None,
    registry: SlaRegistryOption = None,
    today: Annotated[str | None, typer.Option(help="Evaluate as of this date.")] = None,
    show_fixed: Annotated[bool, typer.Option("--all", help="Include fixed items.")] = False,
) -> int:
    """Show due and overdue items; exit 1 when something is overdue."""
    state = get_state(ctx)
    day = parse_today(today)
    with state_store(state, sla_state, registry) as store:
        entries = [
            e
            for e in store.entries()
            if deployment in (None, e.deployment) and (show_fixed or e.fixed_on is None)
        ]
    entries.sort(key=lambda e: (e.due, -e.severity, e.key))
    findings = [f for e in entries for f in _entry_findings(e, day)]
    rows = tuple(
        (
            e.deployment,
            e.vuln_id,
            f"{e.package} {e.version}",
            e.severity.label,
            e.first_seen.isoformat(),
            e.due.isoformat(),
            e.status(day),
            e.exception.owner if e.exception else "-",
        )
        for e in entries
    )
    overdue = any(e.status(day) == "overdue" for e in entries)
    return state.emit(
        "sla status",
        Report.of(findings),
        sections={"sla": [_entry_dict(e, day) for e in entries]},
        summary=(
            SummaryTable(
                title=f"SLA board ({len(rows)})",
                columns=(
                    "deployment",
                    "id",
                    "package",
                    "severity",
                    "first seen",
                    "due",
                    "status",
                    "owner",
                ),
                rows=rows,
            ),
        ),
        rules=RULES,
        denied=overdue,
    )


def sla_accept(
    ctx: typer.Context,
    vuln_id: Annotated[str, typer.Argument(help="The vulnerability id as reported.")],
    deployment: Annotated[str, typer.Option(help="The deployment.")],
    owner: Annotated[str, typer.Option(help="Who owns the accepted risk.")],
    expires: Annotated[str, typer.Option(help="YYYY-MM-DD; the exception ends then.")],
    reason: Annotated[str, typer.Option(help="Why the risk is accepted.")] = "",
    today: Annotated[
        str | None, typer.Option(help="Accept as of this day (YYYY-MM-DD; default today).")
    ] = None,
    sla_state: SlaStateOption = None,
    registry: SlaRegistryOption = None,
) -> int:
    """Record an accepted risk (an exception with an owner and an expiry from today on)."""
    state = get_state(ctx)
    day = parse_today(today)
    exception = RiskException(owner=owner, expires=parse_today(expires), reason=reason)
    with state_store(state, sla_state, registry) as store:
        hits = accept_risk(
            store, deployment=deployment, vuln_id=vuln_id, exception=exception, today=day
        )
    return state.emit(
        "sla accept",
        Report(),
        sections={"sla": [_entry_dict(e, day) for e in hits]},
        rules=RULES,
    )


def _entry_dict(entry: SlaEntry, today: date) -> dict[str, object]:
    out: dict[str, object] = {
        "deployment": entry.deployment,
        "id": entry.vuln_id,
        "package": entry.package,
        "version": entry.version,
        "severity": entry.severity.label,
        "first_seen": entry.first_seen.isoformat(),
        "sla_due": entry.due.isoformat(),
        "fixed_on": entry.fixed_on.isoformat() if entry.fixed_on else None,
        "status": entry.status(today),
        "exception": None,
    }
    if entry.exception is not None:
        out["exception"] = {
            "owner": entry.exception.owner,
            "expires": entry.exception.expires.isoformat(),
            "reason": entry.exception.reason,
        }
    return out


def _entry_findings(entry: SlaEntry, today: date) -> list[Finding]:
    where = Location(path=entry.deployment, package=entry.package)
    out: list[Finding] = []
    if entry.exception is not None and not entry.exception.active(today):
        out.append(
            Finding(
                rule_id=EXCEPTION_EXPIRED.id,
                severity=Severity.MEDIUM,
                message=f"the exception for {entry.vuln_id} owned by {entry.exception.owner} "
                f"expired on {entry.exception.expires.isoformat()}",
                location=where,
                refs=(entry.vuln_id,),
            )
        )
    if entry.status(today) == "overdue":
        out.append(
            Finding(
                rule_id=OVERDUE.id,
                severity=max(entry.severity, Severity.HIGH),
                message=f"{entry.vuln_id} on {entry.package} {entry.version} was due on "
                f"{entry.due.isoformat()} and is {(today - entry.due).days} days overdue",
                location=where,
                evidence=f"first seen {entry.first_seen.isoformat()}",
                refs=(entry.vuln_id,),
            )
        )
    return out
