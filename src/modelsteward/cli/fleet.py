"""Batches of models: ``vet --recursive|--from-list|--ray`` and ``revet``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelsteward.cli.state import CliState, get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Finding, Location, Report, Rule, Severity
from modelsteward.report import SummaryTable

if TYPE_CHECKING:
    from modelsteward.services.fleet import FleetRun

FAILED_RULE = Rule(
    id="fleet.task.failed",
    summary="A model could not be vetted after its retries.",
    help="Read the error; fix the path or the files, then run the batch again (recorded "
    "models are not recorded twice).",
    severity=Severity.HIGH,
)
RULES = {FAILED_RULE.id: FAILED_RULE}


def _targets(
    state: CliState, paths: list[Path], recursive: bool, from_list: Path | None, dsn: str
) -> list[str]:
    from modelsteward.services.fleet import discover, read_list

    targets: list[str] = []
    for path in paths:
        if recursive:
            targets.extend(str(p) for p in discover(path))
        else:
            targets.append(str(path))
    if from_list is not None:
        targets.extend(read_list(from_list))
    resolved: list[str] = []
    registry = None
    try:
        for target in dict.fromkeys(targets):
            if target.startswith("hf://") or Path(target).exists():
                resolved.append(target)
                continue
            if registry is None:
                from modelsteward.services.vetting import open_existing

                registry = open_existing(dsn)
            source = _registered_source(registry, target)
            if source is None:
                raise UsageError(
                    f"{target!r} is neither a path, an hf:// id nor a registered model",
                    hint="fix that line of the list, or register the model first",
                )
            resolved.append(source)
    finally:
        if registry is not None:
            registry.close()
    if not resolved:
        raise UsageError(
            "no model found to vet",
            hint="--recursive needs folders that contain model directories",
        )
    return resolved


def _registered_source(registry: Any, name: str) -> str | None:
    from modelsteward.registry import NotFoundError

    if registry is None:
        return None
    try:
        return str(registry.find(name).source)
    except NotFoundError:
        return None


def run_batch(
    state: CliState,
    paths: list[Path],
    *,
    recursive: bool,
    from_list: Path | None,
    use: Path | None,
    preset: str | None,
    policy: Path | None,
    inventory: Path | None,
    db: Path | None,
    record: bool,
    registry: str | None,
    actor: str | None,
    token: str | None,
    hash_files: bool,
    workers: int,
    use_ray: bool,
    ray_address: str | None,
    retries: int,
) -> int:
    """Vet a batch of models and print one summary."""
    from modelsteward.policy import default_policy, load_policy
    from modelsteward.services.fleet import batch
    from modelsteward.services.versions import current_versions

    if use is not None and preset is not None:
        raise UsageError("--use and --preset are exclusive", hint="give one use profile")
    if record and not hash_files:
        raise UsageError(
            "--record needs file hashes: approvals bind to them", hint="drop --no-hash"
        )
    dsn = registry or state.settings.registry_dsn
    chosen = load_policy(policy) if policy is not None else default_policy()
    advisory_db = db or (state.settings.advisory_db_path if inventory else None)
    spec: dict[str, Any] = {
        "policy": str(policy) if policy is not None else None,
        "use": str(use) if use is not None else preset,
        "inventory": str(inventory) if inventory is not None else None,
        "db": str(advisory_db) if advisory_db is not None else None,
        "hash": hash_files,
        "versions": current_versions(chosen, advisory_db),
    }
    if record:
        from modelsteward.cli.registry_session import resolve_actor
        from modelsteward.registry import open_registry

        service = open_registry(dsn, audit_key=state.settings.audit_key_bytes())
        try:
            spec["actor"] = resolve_actor(state, service, actor, token).name
        finally:
            service.close()
        spec["registry"] = dsn
    targets = _targets(state, paths, recursive, from_list, dsn)
    with state.progress_bar(len(targets), "vetting models") as advance:
        run = batch(
            targets,
            spec,
            use_ray=use_ray,
            ray_address=ray_address,
            workers=workers,
            retries=retries,
            progress=advance,
        )
    return emit_fleet(state, "vet", run)


def emit_fleet(
    state: CliState, command: str, run: FleetRun, extra: dict[str, object] | None = None
) -> int:
    """Print a batch: one row per model, the totals, failures as findings."""
    findings = [
        Finding(
            rule_id=FAILED_RULE.id,
            severity=Severity.HIGH,
            message=f"{r.target} could not be vetted after its retries: {r.error}",
            location=Location(path=r.target),
            evidence=(r.error or "")[:200],
        )
        for r in run.results
        if r.state == "failed"
    ]
    rows = tuple(
        (
            r.target,
            r.model or "-",
            r.state,
            r.decision or "-",
            "-" if r.passport_version is None else f"v{r.passport_version}",
            ", ".join(r.waits_for) or "-",
            "-" if r.attempts is None else str(r.attempts),
        )
        for r in run.results
    )
    counts = run.counts()
    totals = tuple((k, str(v)) for k, v in sorted(counts.items()))
    per_hour = run.to_dict()["models_per_hour"]
    state.log(
        f"{len(run.results)} models in {run.seconds:.1f} s on {run.executor} "
        f"({per_hour} models/hour): "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if ":" not in k)
    )
    rejected = counts.get("decision:reject", 0) > 0
    return state.emit(
        command,
        Report.of(findings),
        sections={"fleet": run.to_dict(), **(extra or {})},
        summary=(
            SummaryTable(
                title=f"{command}: {len(run.results)} models",
                columns=("target", "model", "state", "decision", "passport", "waits for", "tries"),
                rows=rows,
            ),
            SummaryTable(title=f"{command}: totals", columns=("outcome", "models"), rows=totals),
        ),
        rules=RULES,
        denied=rejected,
    )


def register_revet(app: typer.Typer) -> None:
    """Add ``revet`` to ``app``."""
    app.command(
        "revet",
        epilog="Examples:\n\n  modelsteward revet --record --as ci:requester\n\n"
        "  modelsteward revet --reason advisories --since 2026-11-01 --db ~/.osv --record "
        "--as ci:requester",
    )(revet)


def revet(
    ctx: typer.Context,
    reason: Annotated[
        list[str] | None,
        typer.Option(
            "--reason",
            help="Only these changes: advisories, policy, licenses, rules (repeatable).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Advisories published or changed on or after YYYY-MM-DD."),
    ] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML (default: the shipped one).")
    ] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Advisory database directory.")] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record the new passports (else only list).")
    ] = False,
    registry: Annotated[str | None, typer.Option("--registry", help="Registry DSN.")] = None,
    actor: Annotated[
        str | None, typer.Option("--as", help="Who records, as NAME:ROLE.", show_default=False)
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Actor token.", show_default=False)
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes.")] = 2,
    ray: Annotated[bool, typer.Option("--ray", help="Run the re-vetting on Ray.")] = False,
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="Ray cluster address.", show_default=False)
    ] = None,
) -> int:
    """Find the passports a change can alter (a new advisory snapshot touching a
    deployment, a policy revision, a newer license knowledge base or scanner rules) and
    re-judge exactly those; with --record, store the new passports, open approval requests
    where a decision changed and start SLA clocks for new advisories."""
    from modelsteward.policy import default_policy, load_policy
    from modelsteward.registry import open_registry
    from modelsteward.services.revet import plan_revet, run_revet
    from modelsteward.services.versions import KINDS

    state = get_state(ctx)
    kinds = tuple(reason or KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise UsageError(f"unknown --reason {', '.join(unknown)}", hint=f"use {', '.join(KINDS)}")
    day = None
    if since is not None:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            raise UsageError(f"--since {since!r} is not a date", hint="write YYYY-MM-DD") from None
    chosen = load_policy(policy) if policy is not None else default_policy()
    advisory_db = db or state.settings.advisory_db_path
    dsn = registry or state.settings.registry_dsn
    service = open_registry(dsn, audit_key=state.settings.audit_key_bytes())
    try:
        plan = plan_revet(
            service, chosen, advisory_db if advisory_db.exists() else None, kinds, day
        )
        who = None
        if record:
            from modelsteward.cli.registry_session import resolve_actor

            who = resolve_actor(state, service, actor, token).name
    finally:
        service.close()
    extra: dict[str, object] = {"revet": plan.to_dict()}
    if not record or not plan.items:
        rows = tuple(
            (i.model, ", ".join(i.reasons), i.decision or "-", i.source) for i in plan.items
        )
        state.log(f"{len(plan.items)} passport(s) to re-judge" + ("" if record else " (dry run)"))
        return state.emit(
            "revet",
            Report(skipped=plan.skipped),
            sections=extra,
            summary=(
                SummaryTable(
                    title="revet: stale passports",
                    columns=("model", "why", "decision now", "source"),
                    rows=rows,
                ),
            ),
        )
    assert who is not None
    run = run_revet(
        plan,
        dsn=dsn,
        actor=who,
        policy_path=policy,
        workers=workers,
        use_ray=ray,
        ray_address=ray_address,
    )
    return emit_fleet(state, "revet", run, extra)
