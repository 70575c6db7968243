"""The ``registry exception`` commands: request, approve, reject, revoke and list policy
exceptions under separation of duties."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelsteward.cli.registry_options import ActorOpt, ReasonOpt, RegistryOpt, TokenOpt
from modelsteward.cli.state import get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Report
from modelsteward.report import SummaryTable

if TYPE_CHECKING:
    from modelsteward.cli.state import CliState
    from modelsteward.registry import ExceptionRecord

_ID = Annotated[int, typer.Argument(help="The exception id (see registry exception list).")]
_COLUMNS = ("id", "rule", "model", "finding", "path", "expires", "status", "waits for", "by")


def register(group: typer.Typer) -> None:
    """Add the ``exception`` group to the registry group."""
    exc = typer.Typer(
        help="Policy exceptions: requested by anyone, approved by the roles the policy names.",
        no_args_is_help=True,
    )
    exc.command("request")(exception_request)
    exc.command("add", hidden=True)(exception_request)
    exc.command("approve")(exception_approve)
    exc.command("reject")(exception_reject)
    exc.command("revoke")(exception_revoke)
    exc.command("list")(exception_list)
    group.add_typer(exc, name="exception")


def _today() -> date:
    return datetime.now(UTC).date()


def _rows(records: list[ExceptionRecord], today: date) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            str(e.id),
            e.rule_id,
            e.scope,
            e.finding,
            e.path,
            e.expires.isoformat(),
            e.status(today),
            ", ".join(r.value for r in e.missing_roles) if e.state.value == "requested" else "-",
            e.actor,
        )
        for e in records
    )


def _emit(state: CliState, command: str, record: ExceptionRecord, title: str) -> int:
    today = _today()
    table = SummaryTable(title=title, columns=_COLUMNS, rows=_rows([record], today))
    body = {**record.to_dict(), "status": record.status(today)}
    return state.emit(command, Report(), sections={"exception": body}, summary=(table,))


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise UsageError(f"{option} {text!r} is not a date", hint="use YYYY-MM-DD") from err


def exception_request(
    ctx: typer.Context,
    rule: Annotated[str, typer.Option(help="The policy rule to waive (e.g. scan-severity).")],
    model: Annotated[str, typer.Option(help="The registered model (name or id).")],
    finding: Annotated[str, typer.Option(help="The finding's rule id, or a glob (scan.pickle.*).")],
    reason: Annotated[str, typer.Option(help="Why the risk is accepted.")],
    owner: Annotated[str, typer.Option(help="Who answers for it.")],
    expires: Annotated[str, typer.Option(help="Last day it holds (YYYY-MM-DD).")],
    path: Annotated[
        str, typer.Option(help="File inside the model, or a glob; '*' for any file.")
    ] = "*",
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML (default: the shipped one).")
    ] = None,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Ask for a policy exception for one rule, finding and path of a model's current files;
    the roles the policy names for the rule must approve it."""
    from modelsteward.cli.registry_session import acting
    from modelsteward.policy import default_policy, load_policy
    from modelsteward.services.exceptions import ExceptionAsk, request_exception

    state = get_state(ctx)
    chosen = load_policy(policy) if policy is not None else default_policy()
    ask = ExceptionAsk(
        rule_id=rule,
        model=model,
        finding=finding,
        path=path,
        reason=reason,
        owner=owner,
        expires=_date(expires, "--expires"),
    )
    with acting(state, registry, as_, token) as (service, actor):
        record = request_exception(service, chosen, ask, actor.name)
    waits = ", ".join(r.value for r in record.required_roles)
    return _emit(state, "registry exception request", record, f"requested; waits for {waits}")


def exception_approve(
    ctx: typer.Context,
    exception_id: _ID,
    reason: ReasonOpt,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Approve an exception in your role (never one you requested)."""
    return _review(ctx, exception_id, reason, (registry, as_, token), approve=True)


def exception_reject(
    ctx: typer.Context,
    exception_id: _ID,
    reason: ReasonOpt,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Reject an exception in a role it names (or as admin)."""
    return _review(ctx, exception_id, reason, (registry, as_, token), approve=False)


def _review(
    ctx: typer.Context,
    exception_id: int,
    reason: str,
    who: tuple[str | None, str | None, str | None],
    *,
    approve: bool,
) -> int:
    from modelsteward.cli.registry_session import acting

    state = get_state(ctx)
    with acting(state, *who) as (service, actor):
        if approve:
            record = service.approve_exception(exception_id, actor.role, actor.name, reason)
        else:
            record = service.reject_exception(exception_id, actor.role, actor.name, reason)
    verb = "approve" if approve else "reject"
    return _emit(state, f"registry exception {verb}", record, f"exception {record.state.value}")


def exception_revoke(
    ctx: typer.Context,
    exception_id: _ID,
    reason: ReasonOpt,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """End an exception now (its requester, a role it names, or an admin)."""
    from modelsteward.cli.registry_session import acting

    state = get_state(ctx)
    with acting(state, registry, as_, token) as (service, actor):
        record = service.revoke_exception(exception_id, actor, reason)
    return _emit(state, "registry exception revoke", record, "exception revoked")


def exception_list(
    ctx: typer.Context,
    today: Annotated[
        str | None, typer.Option(help="Judge expiry as of this day (default: today).")
    ] = None,
    active: Annotated[
        bool, typer.Option("--active", help="Only those that waive on that day.")
    ] = False,
    registry: RegistryOpt = None,
) -> int:
    """List every exception with its status: requested, approved, expired, rejected,
    revoked or legacy (recorded before review was required; waives nothing)."""
    from modelsteward.cli.registry_session import open_service

    state = get_state(ctx)
    day = _date(today, "--today") if today else _today()
    with open_service(state, registry) as service:
        records = service.exceptions()
        trusted = service.verified().verification
    # A row that disagrees with the audit chain waives nothing, whatever it says.
    drifted = {d.exception_id for d in trusted.drift if d.exception_id is not None}
    untrusted = not trusted.intact
    if active:
        records = [e for e in records if e.status(day) == "approved" and e.id not in drifted]
    rows = tuple(
        (
            *row[:6],
            row[6] + (" (disagrees with the audit chain)" if untrusted or e.id in drifted else ""),
            *row[7:],
        )
        for e, row in zip(records, _rows(records, day), strict=True)
    )
    table = SummaryTable(title=f"exceptions (status on {day})", columns=_COLUMNS, rows=rows)
    body = [
        {**e.to_dict(), "status": e.status(day), "trusted": not untrusted and e.id not in drifted}
        for e in records
    ]
    return state.emit(
        "registry exception list", Report(), sections={"exceptions": body}, summary=(table,)
    )
