"""The ``registry`` commands for exceptions, deployments and the audit log."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelsteward.cli.output import check_output_dir
from modelsteward.cli.state import get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.report import SummaryTable

if TYPE_CHECKING:
    from modelsteward.cli.state import CliState
    from modelsteward.registry import Actor, ExceptionRecord, RegistryService

_REGISTRY = Annotated[
    str | None,
    typer.Option(
        "--registry", help="Registry DSN (sqlite:///PATH or postgresql://...).", show_default=False
    ),
]
_ACTOR = Annotated[
    str | None, typer.Option("--as", help="Who acts, as NAME:ROLE.", show_default=False)
]
_TOKEN = Annotated[
    str | None,
    typer.Option("--token", help="Registry token (else MODELSTEWARD_TOKEN).", show_default=False),
]


def register_more(group: typer.Typer) -> None:
    """Add ``exception``, ``deploy`` and ``audit`` to the registry group."""
    exc = typer.Typer(help="Policy exceptions with an owner and an expiry.", no_args_is_help=True)
    exc.command("add")(exception_add)
    exc.command("list")(exception_list)
    group.add_typer(exc, name="exception")
    group.command("deploy")(deploy)
    actors = typer.Typer(help="Actors identified by token.", no_args_is_help=True)
    actors.command("add")(actor_add)
    actors.command("revoke")(actor_revoke)
    group.add_typer(actors, name="actor")
    audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
    audit.command("verify")(audit_verify)
    audit.command("export")(audit_export)
    group.add_typer(audit, name="audit")
    from modelsteward.cli.decisions import register_decisions

    register_decisions(group)


def _rows(records: list[ExceptionRecord]) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (str(e.id), e.rule_id, e.scope, e.owner, e.expires.isoformat(), e.reason) for e in records
    )


_EXC_COLUMNS = ("id", "rule", "scope", "owner", "expires", "reason")


def exception_add(
    ctx: typer.Context,
    rule: Annotated[str, typer.Option(help="The rule id to waive (e.g. license.denied).")],
    scope: Annotated[str, typer.Option(help="Model name the waiver covers, or '*'.")],
    reason: Annotated[str, typer.Option(help="Why the risk is accepted.")],
    owner: Annotated[str, typer.Option(help="Who answers for it.")],
    expires: Annotated[str, typer.Option(help="Last day it holds (YYYY-MM-DD).")],
    registry: _REGISTRY = None,
    as_: _ACTOR = None,
    token: _TOKEN = None,
) -> int:
    """Record a policy exception; it stops holding after its expiry date."""
    from modelsteward.cli.registry import acting

    state = get_state(ctx)
    try:
        until = date.fromisoformat(expires)
    except ValueError as err:
        raise UsageError(f"--expires {expires!r} is not a date", hint="use YYYY-MM-DD") from err
    with acting(state, registry, as_, token) as (service, actor):
        record = service.add_exception(rule, scope, reason, owner, until, actor.name)
    table = SummaryTable(title="exception recorded", columns=_EXC_COLUMNS, rows=_rows([record]))
    return state.emit(
        "registry exception add",
        Report(),
        sections={"exception": record.to_dict()},
        summary=(table,),
    )


def exception_list(
    ctx: typer.Context,
    today: Annotated[
        str | None, typer.Option(help="List those active on this day (default: today).")
    ] = None,
    registry: _REGISTRY = None,
) -> int:
    """List the exceptions that have not expired."""
    from modelsteward.cli.registry import open_service

    state = get_state(ctx)
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError as err:
        raise UsageError(f"--today {today!r} is not a date", hint="use YYYY-MM-DD") from err
    with open_service(state, registry) as service:
        records = service.active_exceptions(day)
    table = SummaryTable(
        title=f"exceptions active on {day}", columns=_EXC_COLUMNS, rows=_rows(records)
    )
    return state.emit(
        "registry exception list",
        Report(),
        sections={"exceptions": [e.to_dict() for e in records]},
        summary=(table,),
    )


def _inventory(packages: list[str], path: Path | None) -> tuple[list[dict[str, str]], Report]:
    """The runtime packages from ``--package`` and ``--inventory``, and a report whose
    ``skipped`` names every requirement without an exact version (recorded nowhere)."""
    out = []
    for line in packages:
        name, sep, version = line.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise UsageError(
                f"--package {line!r} is not NAME==VERSION", hint="pin the package exactly"
            )
        out.append({"name": name.strip(), "version": version.strip()})
    if path is None:
        return out, Report()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read {path}: {err}", hint="check the --inventory path") from err
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
            out += [{"name": str(i["name"]), "version": str(i["version"])} for i in items]
        except (ValueError, KeyError, TypeError) as err:
            raise UsageError(
                f"{path} is not a JSON list of {{name, version}}", hint="fix the file"
            ) from err
        return out, Report()
    from modelsteward.vulns.requirements import read_requirements

    pinned, skipped = read_requirements(path)
    out += [{"name": p.name, "version": p.version} for p in pinned]
    return out, Report(skipped=tuple(skipped))


def deploy(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model id or name.")],
    target: Annotated[str, typer.Option(help="Where it runs (host, cluster, service).")],
    engine: Annotated[str, typer.Option(help="The serving engine (vllm, llama.cpp...).")],
    package: Annotated[
        list[str] | None, typer.Option(help="A runtime package, NAME==VERSION (repeatable).")
    ] = None,
    inventory: Annotated[
        Path | None,
        typer.Option(help="Runtime packages: requirements (NAME==VERSION) or JSON list."),
    ] = None,
    registry: _REGISTRY = None,
    as_: _ACTOR = None,
    token: _TOKEN = None,
) -> int:
    """Record that an approved model runs on TARGET with ENGINE and its runtime packages."""
    from modelsteward.cli.registry import acting

    state = get_state(ctx)
    packages, report = _inventory(package or [], inventory)
    for item in report.skipped:
        state.log(f"warning: not recorded: {item.path}: {item.reason}")
    with acting(state, registry, as_, token) as (service, actor):
        record = service.deploy(model, target, engine, packages, actor.name)
    table = SummaryTable(
        title="deployment recorded",
        columns=("id", "model", "target", "engine", "packages"),
        rows=((str(record.id), model, target, engine, str(len(packages))),),
    )
    return state.emit(
        "registry deploy", report, sections={"deployment": record.to_dict()}, summary=(table,)
    )


def audit_verify(
    ctx: typer.Context,
    anchor: Annotated[
        str | None,
        typer.Option(help="SEQ:HASH printed by an earlier verify, kept outside the database."),
    ] = None,
    registry: _REGISTRY = None,
) -> int:
    """Walk the hash chain; exit 1 and name the first bad entry when it is broken."""
    from modelsteward.cli.registry import RULES, open_service

    state = get_state(ctx)
    pinned = _anchor(anchor) if anchor else None
    with open_service(state, registry) as service:
        result = service.audit_verify(pinned)
        where = service.store.dsn
    findings = []
    if not result.ok and result.reason is not None:
        findings.append(
            Finding(
                rule_id=f"registry.audit.{result.reason.value}",
                severity=Severity.CRITICAL,
                message=f"the audit chain is broken at entry {result.first_bad_seq}: "
                f"{result.detail}",
                location=Location(path=where, member=f"audit_log/{result.first_bad_seq}"),
                evidence=result.reason.value,
            )
        )
    verdict = "intact" if result.ok else f"BROKEN at entry {result.first_bad_seq}"
    table = SummaryTable(
        title="audit chain",
        columns=("entries", "verdict", "anchor (keep it elsewhere)"),
        rows=(
            (
                str(result.count),
                verdict,
                f"{result.count}:{result.head_hash}" if result.ok else "-",
            ),
        ),
    )
    return state.emit(
        "registry audit verify",
        Report.of(findings),
        sections={"audit": result.to_dict()},
        summary=(table,),
        rules=RULES,
        denied=not result.ok,
    )


def _anchor(text: str) -> tuple[int, str]:
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise UsageError(f"--anchor {text!r} is not SEQ:HASH", hint="copy it from audit verify")
    return int(seq), digest.lower()


def audit_export(ctx: typer.Context, registry: _REGISTRY = None) -> int:
    """Write the audit log as JSON lines to stdout (or --output)."""
    from modelsteward.cli.registry import open_service

    state = get_state(ctx)
    with open_service(state, registry) as service:
        if state.output is None:
            count = service.audit_export(sys.stdout)
        else:
            check_output_dir(state.output)
            try:
                with state.output.open("w", encoding="utf-8") as fh:
                    count = service.audit_export(fh)
            except OSError as err:
                raise UsageError(
                    f"cannot write {state.output}: {err.strerror or err}",
                    hint="choose a writable --output path",
                ) from err
    state.log(f"exported {count} audit entries")
    return 0


def _by(state: CliState, service: RegistryService, token: str | None) -> Actor | None:
    secret = token or state.settings.token
    return service.actors.authenticate(secret) if secret else None


def actor_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person or service account.")],
    role: Annotated[str, typer.Option(help="requester, legal, security, safety or admin.")],
    registry: _REGISTRY = None,
    token: _TOKEN = None,
) -> int:
    """Enroll NAME in ROLE and print its token once (an admin's token is needed, except for
    the first actor, who must be an admin). From then on the registry asks for tokens."""
    from modelsteward.cli.registry import open_service
    from modelsteward.registry import Actor, Role

    state = get_state(ctx)
    actor = Actor(name, Role.parse(role))
    with open_service(state, registry, create=True) as service:
        secret = service.actors.enroll(actor, by=_by(state, service, token))
    table = SummaryTable(
        title="enrolled (the token is shown only now)",
        columns=("actor", "token"),
        rows=((str(actor), secret),),
    )
    sections = {"actor": {"name": actor.name, "role": actor.role.value}, "token": secret}
    return state.emit("registry actor add", Report(), sections=sections, summary=(table,))


def actor_revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The enrolled actor.")],
    role: Annotated[str, typer.Option(help="The role whose tokens to revoke.")],
    registry: _REGISTRY = None,
    token: _TOKEN = None,
) -> int:
    """Revoke every token of NAME in ROLE (an admin's token is needed)."""
    from modelsteward.cli.registry import open_service
    from modelsteward.registry import Actor, Role

    state = get_state(ctx)
    actor = Actor(name, Role.parse(role))
    with open_service(state, registry) as service:
        count = service.actors.revoke(actor, by=_by(state, service, token))
    table = SummaryTable(
        title="revoked", columns=("actor", "tokens"), rows=((str(actor), str(count)),)
    )
    sections = {"actor": {"name": actor.name, "role": actor.role.value}, "revoked": count}
    return state.emit("registry actor revoke", Report(), sections=sections, summary=(table,))
