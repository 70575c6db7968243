"""The ``registry`` commands that administer it: deployments, the audit log and actors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelsteward.cli import exceptions
from modelsteward.cli.output import check_output_dir
from modelsteward.cli.registry_options import ActorOpt, RegistryOpt, TokenOpt
from modelsteward.cli.state import get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.report import SummaryTable

if TYPE_CHECKING:
    from modelsteward.cli.state import CliState
    from modelsteward.registry import Actor, RegistryService


def register_admin(group: typer.Typer) -> None:
    """Add ``exception``, ``deploy``, ``actor``, ``audit`` and ``decision`` to the registry
    group."""
    exceptions.register(group)
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
    gateway_config: Annotated[
        Path | None,
        typer.Option(
            "--gateway-config",
            help="The gateway configuration that serves it: its safety profile and exposure "
            "are recorded with the deployment.",
        ),
    ] = None,
    gateway_model: Annotated[
        str | None,
        typer.Option("--gateway-model", help="The model id in that configuration."),
    ] = None,
    registry: RegistryOpt = None,
    as_: ActorOpt = None,
    token: TokenOpt = None,
) -> int:
    """Record that an approved model runs on TARGET with ENGINE and its runtime packages,
    and how the gateway serves it."""
    from modelsteward.cli.registry_session import acting

    state = get_state(ctx)
    packages, report = _inventory(package or [], inventory)
    for item in report.skipped:
        state.log(f"warning: not recorded: {item.path}: {item.reason}")
    safety = _served(gateway_config, gateway_model)
    with acting(state, registry, as_, token) as (service, actor):
        record = service.deploy(model, target, engine, packages, actor.name, safety=safety)
    table = SummaryTable(
        title="deployment recorded",
        columns=("id", "model", "target", "engine", "packages"),
        rows=((str(record.id), model, target, engine, str(len(packages))),),
    )
    return state.emit(
        "registry deploy", report, sections={"deployment": record.to_dict()}, summary=(table,)
    )


def _served(config: Path | None, name: str | None) -> dict[str, object]:
    """The safety facts of the configured model that serves the deployment."""
    if config is None:
        if name:
            raise UsageError("--gateway-model needs --gateway-config", hint="give both")
        return {}
    import hashlib

    from modelsteward.gateway.config import load_gateway_config
    from modelsteward.gateway.coverage import coverage_of

    loaded = load_gateway_config(config)
    names = [m.name for m in loaded.models]
    if name is None and len(names) == 1:
        name = names[0]
    entry = loaded.model(name) if name else None
    if entry is None:
        raise UsageError(
            f"{config} has no model {name!r}" if name else f"{config} serves several models",
            hint="give --gateway-model, one of: " + (", ".join(names) or "(none)"),
        )
    digest = hashlib.sha256(config.read_bytes()).hexdigest()
    facts = coverage_of(entry, config=str(config), config_sha256=digest).to_dict()
    facts["gateway_model"] = facts.pop("deployment")
    for derived in ("source", "enforced"):
        facts.pop(derived)
    return facts


def audit_verify(
    ctx: typer.Context,
    anchor: Annotated[
        str | None,
        typer.Option(help="SEQ:HASH printed by an earlier verify, kept outside the database."),
    ] = None,
    registry: RegistryOpt = None,
) -> int:
    """Walk the hash chain; exit 1 and name the first bad entry when it is broken."""
    from modelsteward.cli.registry import RULES
    from modelsteward.cli.registry_session import open_service

    state = get_state(ctx)
    pinned = _anchor(anchor) if anchor else None
    with open_service(state, registry) as service:
        result = service.audit_verify(pinned)
        where = service.store.dsn
    findings = []
    if result.reason is not None:
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
    for drift in result.drift:
        findings.append(
            Finding(
                rule_id="registry.state.drift",
                severity=Severity.CRITICAL,
                message=f"{drift}; it approves nothing until restored",
                location=Location(path=where, member=f"{drift.table}/{drift.row}"),
                evidence=drift.table,
            )
        )
    verdict = "intact" if result.ok else f"BROKEN at entry {result.first_bad_seq}"
    if result.intact and result.drift:
        verdict = f"intact; {len(result.drift)} stored row(s) disagree with it"
    table = SummaryTable(
        title="audit chain",
        columns=("entries", "verdict", "anchor (keep it elsewhere)"),
        rows=(
            (
                str(result.count),
                verdict,
                f"{result.count}:{result.head_hash}" if result.intact else "-",
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


def audit_export(ctx: typer.Context, registry: RegistryOpt = None) -> int:
    """Write the audit log as JSON lines to stdout (or --output)."""
    from modelsteward.cli.registry_session import open_service

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
    registry: RegistryOpt = None,
    token: TokenOpt = None,
) -> int:
    """Enroll NAME in ROLE and print its token once (an admin's token is needed, except for
    the first actor, who must be an admin). From then on the registry asks for tokens."""
    from modelsteward.cli.registry_session import open_service
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
    registry: RegistryOpt = None,
    token: TokenOpt = None,
) -> int:
    """Revoke every token of NAME in ROLE (an admin's token is needed)."""
    from modelsteward.cli.registry_session import open_service
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
