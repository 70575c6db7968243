"""``modelsteward registry decision list|show|approve|reject``: governed decisions other than
model approvals (selections), signed under separation of duties."""

from __future__ import annotations

from typing import Annotated

import typer

from modelsteward.cli.registry_options import ActorOpt, ReasonOpt, RegistryOpt, TokenOpt
from modelsteward.cli.registry_session import acting, open_service
from modelsteward.cli.state import get_state
from modelsteward.findings import Report
from modelsteward.registry.decisions import get_decision, list_decisions
from modelsteward.registry.records import DecisionRecord
from modelsteward.report import SummaryTable
from modelsteward.services import approval

_COLUMNS = ("id", "kind", "name", "choice", "state", "waiting for", "requester", "created")


def register_decisions(group: typer.Typer) -> None:
    """Add the ``decision`` subgroup to the registry group."""
    sub = typer.Typer(
        help="Governed decisions: open-or-commercial selections and their sign-off.",
        no_args_is_help=True,
    )
    sub.command("list")(decision_list)
    sub.command("show")(decision_show)
    sub.command("approve")(decision_approve)
    sub.command("reject")(decision_reject)
    group.add_typer(sub, name="decision")


def _row(d: DecisionRecord) -> tuple[str, ...]:
    return (
        str(d.id),
        d.kind,
        d.name,
        d.subject,
        d.state.value,
        ", ".join(r.value for r in d.missing_roles) or "-",
        d.requester,
        d.created_at,
    )


def decision_list(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this kind: selection.", show_default=False)
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Only decisions about this registered model.", show_default=False
        ),
    ] = None,
    registry: RegistryOpt = None,
) -> int:
    """List decision records, newest first."""
    state = get_state(ctx)
    with open_service(state, registry) as service:
        records = list_decisions(service.store, kind=kind, model=model)
    return state.emit(
        "registry decision list",
        Report(),
        sections={"decisions": [d.to_dict() | {"payload": None} for d in records]},
        summary=(
            SummaryTable(title="decisions", columns=_COLUMNS, rows=tuple(map(_row, records))),
        ),
    )


def decision_show(
    ctx: typer.Context,
    decision_id: Annotated[int, typer.Argument(help="Decision record id.")],
    registry: RegistryOpt = None,
) -> int:
    """Show one decision record with its signatures and the result it records."""
    state = get_state(ctx)
    with open_service(state, registry) as service:
        record = get_decision(service.store, decision_id)
    selection = record.payload.get("selection")
    rationale = (
        selection.get("decision", {}).get("rationale", "") if isinstance(selection, dict) else ""
    )
    sigs = tuple(
        (s.role.value, s.actor, "approve" if s.approve else "reject", s.reason, s.created_at)
        for s in record.signatures
    )
    return state.emit(
        "registry decision show",
        Report(),
        sections={"decision": record.to_dict()},
        summary=(
            SummaryTable(title=f"decision {record.id}", columns=_COLUMNS, rows=(_row(record),)),
            SummaryTable(title="rationale", columns=("rationale",), rows=((rationale or "-",),)),
            SummaryTable(
                title="signatures",
                columns=("role", "actor", "verdict", "reason", "at"),
                rows=sigs,
            ),
        ),
    )


def decision_approve(
    ctx: typer.Context,
    decision_id: Annotated[int, typer.Argument(help="Decision record id.")],
    reason: ReasonOpt,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Sign a pending decision in your role (never one you recorded)."""
    return _sign(ctx, decision_id, reason, (registry, as_, token), approve=True)


def decision_reject(
    ctx: typer.Context,
    decision_id: Annotated[int, typer.Argument(help="Decision record id.")],
    reason: ReasonOpt,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Reject a pending decision in your role."""
    return _sign(ctx, decision_id, reason, (registry, as_, token), approve=False)


def _sign(
    ctx: typer.Context,
    decision_id: int,
    reason: str,
    who: tuple[str | None, str | None, str | None],
    *,
    approve: bool,
) -> int:
    state = get_state(ctx)
    with acting(state, *who) as (service, actor):
        record = approval.sign_decision(service, decision_id, actor, reason, approve=approve)
    waits = ", ".join(r.value for r in record.missing_roles) or "nobody"
    state.log(f"decision {record.id} is {record.state.value}; waiting for: {waits}")
    return state.emit(
        "registry decision " + ("approve" if approve else "reject"),
        Report(),
        sections={"decision": record.to_dict() | {"payload": None}},
        summary=(SummaryTable(title="decision", columns=_COLUMNS, rows=(_row(record),)),),
    )
