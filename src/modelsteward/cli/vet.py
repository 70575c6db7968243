"""The ``vet`` command (and, through ``policy_cmd``, ``policy check|test``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelsteward.cli import policy_cmd, vet_demo
from modelsteward.cli.demo_context import Section
from modelsteward.cli.state import CliState, get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Finding, Report, Rule, Severity
from modelsteward.passport import Passport
from modelsteward.policy import Decision, Outcome, Policy, default_policy
from modelsteward.policy import load_policy as read_policy
from modelsteward.report import OutputFormat, SummaryTable
from modelsteward.report.markdown import render_passports
from modelsteward.vet import VetOptions, VetRun, count_units, vet_models, walk_models

if TYPE_CHECKING:
    from modelsteward.licenses import UseProfile
    from modelsteward.services import vetting

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = (("vet", vet_demo.vet_section),)
"""Sections this area adds to ``modelsteward demo``, in order."""

_PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Model directories or files.", show_default=False),
]


def register(app: typer.Typer) -> None:
    """Add ``vet`` and the ``policy`` group to ``app``."""
    app.command(
        "vet",
        epilog="Examples:\n\n  modelsteward vet ./models/llama --preset internal\n\n"
        "  modelsteward vet ./mirror --recursive --record --as ci:requester\n\n"
        "  modelsteward vet --from-list models.txt --ray --record --as ci:requester",
    )(vet)
    from modelsteward.cli.fleet import register_revet

    register_revet(app)
    policy_cmd.register(app)


def vet(
    ctx: typer.Context,
    paths: _PathsArg = None,
    use: Annotated[Path | None, typer.Option("--use", help="Use profile YAML/JSON.")] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            metavar="NAME",
            help="Named use profile: research, internal, commercial-saas, startup-saas, "
            "redistribution, distillation, eu-multimodal-saas, hyperscale.",
        ),
    ] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML (default: the shipped one).")
    ] = None,
    inventory: Annotated[
        Path | None,
        typer.Option("--inventory", help="Serving runtime inventory (requirements, lock, SBOM)."),
    ] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Advisory database directory.")] = None,
    record: Annotated[bool, typer.Option("--record", help="Store passports in the registry.")] = (
        False
    ),
    registry: Annotated[str | None, typer.Option("--registry", help="Registry DSN.")] = None,
    actor: Annotated[
        str | None,
        typer.Option("--as", help="Who records, as NAME:ROLE (default MODELSTEWARD_ACTOR)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", help="Actor token (default MODELSTEWARD_TOKEN)."),
    ] = None,
    safety_layer: Annotated[
        bool | None,
        typer.Option(
            "--safety-layer/--no-safety-layer",
            hidden=True,
            help="Retired: the passport states the safety layer from --gateway-config and "
            "deployment records; --no-safety-layer changes nothing.",
        ),
    ] = None,
    gateway_config: Annotated[
        list[Path] | None,
        typer.Option(
            "--gateway-config",
            help="A gateway configuration that serves the model (repeatable): the passport "
            "states its safety profile and exposure.",
        ),
    ] = None,
    hash_files: Annotated[bool, typer.Option("--hash/--no-hash", help="Hash every file.")] = True,
    download: Annotated[
        bool,
        typer.Option(
            "--download",
            help="For hf://ORG/NAME: fetch and hash every file in full (default: weights are "
            "judged from their headers, hashes come from the Hub's LFS metadata).",
        ),
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Parallel checks (processes in a batch).")
    ] = 4,
    evaluate_at: Annotated[
        str | None,
        typer.Option(
            "--evaluate",
            help="Red-team the model: an OpenAI-compatible URL serving it, or 'embedded' to "
            "serve its GGUF with the embedded engine for the run.",
        ),
    ] = None,
    evaluate_model: Annotated[
        str | None, typer.Option("--evaluate-model", help="Model name at the URL.")
    ] = None,
    evaluate_suite: Annotated[str, typer.Option("--evaluate-suite", help="Suite.")] = "core",
    evaluate_limit: Annotated[
        int | None, typer.Option("--evaluate-limit", min=1, help="At most N probes.")
    ] = None,
    evaluate_transcript: Annotated[
        Path | None, typer.Option("--evaluate-transcript", help="Transcript file.")
    ] = None,
    evaluate_api_key: Annotated[
        str | None, typer.Option("--evaluate-api-key", help="Bearer key for the URL.")
    ] = None,
    recursive: Annotated[
        bool,
        typer.Option("--recursive", help="Vet every model directory under the given folders."),
    ] = False,
    from_list: Annotated[
        Path | None,
        typer.Option(
            "--from-list",
            help="A file of targets, one per line: paths, hf:// ids or registered names.",
            show_default=False,
        ),
    ] = None,
    ray: Annotated[
        bool,
        typer.Option(
            "--ray", help="Run each model as a Ray task (cluster at --ray-address/RAY_ADDRESS)."
        ),
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address", help="Ray cluster address (default RAY_ADDRESS).", show_default=False
        ),
    ] = None,
    retries: Annotated[
        int, typer.Option("--retries", min=0, max=10, help="Retries of a failed model task.")
    ] = 2,
) -> int:
    """Vet models: identity, license, file scan, advisories, then the policy decision.

    Examples:

      modelsteward vet models/tiny-llama --preset commercial-saas

      modelsteward vet models/* --policy modelsteward-policy.yaml --inventory requirements.txt

      modelsteward vet models/foo --format markdown --output passport.md

      modelsteward vet ./mirror --recursive --record --as ci:requester

    With --recursive, --from-list or --ray, each model is one task of a batch (a process
    pool, or Ray), recorded idempotently, with a summary at the end.
    """
    state = get_state(ctx)
    if safety_layer:
        raise UsageError(
            "--safety-layer no longer asserts a safety layer: the passport states facts",
            hint="give --gateway-config FILE (the gateway that serves the model), or record "
            "the deployment with registry deploy --gateway-config",
        )
    if recursive or from_list is not None or ray:
        from modelsteward.cli.fleet import run_batch

        return run_batch(
            state,
            paths or [],
            recursive=recursive,
            from_list=from_list,
            use=use,
            preset=preset,
            policy=policy,
            inventory=inventory,
            db=db,
            record=record,
            registry=registry,
            actor=actor,
            token=token,
            hash_files=hash_files,
            workers=workers,
            use_ray=ray,
            ray_address=ray_address,
            retries=retries,
        )
    if not paths:
        raise UsageError(
            "vet needs at least one model path",
            hint="give model directories, or --recursive DIR, or --from-list FILE",
        )
    if record and not hash_files:
        raise UsageError(
            "--record needs file hashes: approvals bind to them", hint="drop --no-hash"
        )
    chosen = read_policy(policy) if policy is not None else default_policy()
    profile, label = _use_profile(use, preset)
    options = VetOptions(
        use=profile,
        use_label=label,
        inventory=inventory,
        advisory_db=db or (state.settings.advisory_db_path if inventory else None),
        scan=_scan_options(state),
        hash_files=hash_files,
        workers=workers,
    )
    inventories = walk_models([str(p) for p in paths], hash_files=hash_files, download=download)
    with state.progress_bar(count_units(inventories), "vetting") as advance:
        run = vet_models(inventories, options, advance)
    if evaluate_at is not None:
        from modelsteward.cli.vet_evaluate import EvaluateRequest, evaluate_run

        request = EvaluateRequest(
            where=evaluate_at,
            model=evaluate_model,
            suite=evaluate_suite,
            limit=evaluate_limit,
            transcript=evaluate_transcript,
            api_key=evaluate_api_key,
        )
        run = evaluate_run(state, run, inventories, request, chosen)
    from modelsteward.services import vetting

    served = _gateway_coverage(gateway_config or [], run)
    dsn = registry or state.settings.registry_dsn
    key = state.settings.audit_key_bytes()
    if not record:
        # The dry run reads the same registry facts and exceptions a record would apply.
        existing = vetting.open_existing(dsn, audit_key=key)
        try:
            run = replace(run, passports=vetting.state_facts(run.passports, existing, served))
            decisions = vetting.decide(chosen, run.passports, existing)
        finally:
            if existing is not None:
                existing.close()
        return _emit(state, run, decisions, chosen, versions=_versions(chosen, options))
    from modelsteward.cli.registry import resolve_actor
    from modelsteward.registry import open_registry

    service = open_registry(dsn, audit_key=key)
    try:
        who = resolve_actor(state, service, actor, token).name
        run = replace(run, passports=vetting.state_facts(run.passports, service, served))
        decisions = vetting.decide(chosen, run.passports, service)
        versions = _versions(chosen, options)
        recorded = vetting.record(service, run.passports, decisions, who, versions=versions)
    finally:
        service.close()
    for item in recorded:
        state.log(_recorded_line(item))
    return _emit(state, run, decisions, chosen, recorded, versions=versions)


def _versions(policy: Policy, options: VetOptions) -> dict[str, str]:
    from modelsteward.services.versions import current_versions

    return current_versions(policy, options.advisory_db)


def _gateway_coverage(configs: Sequence[Path], run: VetRun) -> list[Any]:
    if not configs:
        return []
    from modelsteward.gateway.coverage import config_coverage

    return [config_coverage(configs, p) for p in run.passports]


def _recorded_line(item: vetting.Recorded) -> str:
    line = (
        f"recorded {item.model} (model id {item.model_id}): passport v{item.passport_version}, "
        f"decision {item.decision.value}"
    )
    req = item.request
    if req is not None:
        waits = ", ".join(r.value for r in req.missing_roles) or "nobody"
        line += f"; approval request {req.id} waits for {waits}"
    return line


def _recorded_table(recorded: Sequence[vetting.Recorded]) -> SummaryTable:
    rows = []
    for item in recorded:
        req = item.request
        rows.append(
            (
                str(item.model_id),
                item.model,
                f"v{item.passport_version}",
                item.decision.value,
                "-" if req is None else f"{req.id} ({req.state.value})",
                "-" if req is None else ", ".join(r.value for r in req.missing_roles) or "-",
            )
        )
    return SummaryTable(
        title="vet: recorded in the registry",
        columns=("model id", "model", "passport", "decision", "approval request", "waits for"),
        rows=tuple(rows),
    )


def _emit(
    state: CliState,
    run: VetRun,
    decisions: Sequence[Decision],
    policy: Policy,
    recorded: Sequence[vetting.Recorded] | None = None,
    *,
    versions: dict[str, str] | None = None,
) -> int:
    pairs = list(zip(run.passports, decisions, strict=True))
    extra = {} if versions is None else {"versions": versions}
    objects = [{**p.to_dict(), "decision": d.to_dict(), **extra} for p, d in pairs]
    sections: dict[str, object] = {"passports": objects}
    if len(objects) == 1:
        sections["passport"] = objects[0]
    sections["policy"] = {
        "name": policy.name,
        "revision": policy.revision,
        "digest": policy.digest,
        "source": policy.source,
    }
    summary = _summary(pairs)
    if recorded is not None:
        sections["recorded"] = [r.to_dict() for r in recorded]
        summary = (*summary, _recorded_table(recorded))
    denied = any(d.denied for d in decisions)
    report = run.report
    if state.fmt is OutputFormat.SARIF:  # code-scanning UIs show results, not JSON sections
        report = report.merge(Report.of(decision_findings(decisions)))
    code = state.emit(
        "vet",
        report,
        rules=DECISION_RULES,
        sections=sections,
        summary=summary,
        markdown=render_passports(pairs),
        denied=denied,
    )
    if state.fail_on_set:
        return code
    return 1 if denied else 0  # the policy decision is the gate unless fail_on is chosen


DECISION_RULES: dict[str, Rule] = {
    "policy.decision.reject": Rule(
        id="policy.decision.reject",
        summary="The policy rejects the model for this reason.",
        help="Fix the finding, or record a time-limited exception owned by someone.",
        severity=Severity.HIGH,
    ),
    "policy.decision.needs-review": Rule(
        id="policy.decision.needs-review",
        summary="The policy requires a reviewer to sign off for this reason.",
        help="Ask the named role to approve in the registry (modelsteward registry approve).",
        severity=Severity.MEDIUM,
    ),
}
"""SARIF metadata for the decision results ``vet --format sarif`` adds."""


def decision_findings(decisions: Sequence[Decision]) -> list[Finding]:
    """One finding per enforced reason, for SARIF: the policy's verdict as a result."""
    out = []
    for d in decisions:
        for r in d.reasons:
            rejects = r.outcome is Outcome.REJECT
            roles = ", ".join(x.value for x in r.roles)
            out.append(
                Finding(
                    rule_id="policy.decision.reject" if rejects else "policy.decision.needs-review",
                    severity=Severity.HIGH if rejects else Severity.MEDIUM,
                    message=f"{d.model}: [{r.rule}] {r.message}"
                    + ("" if rejects or not roles else f" Reviewers: {roles}."),
                    location=r.location,
                    evidence=r.finding,
                )
            )
    return out


def _summary(pairs: Sequence[tuple[Passport, Decision]]) -> tuple[SummaryTable, ...]:
    rows = []
    reasons = []
    for p, d in pairs:
        lic = p.license
        rows.append(
            (
                p.identity.name,
                d.outcome.value,
                ", ".join(r.value for r in d.roles) or "-",
                (lic.license_id or "unknown") + f" ({lic.decision})" if lic else "unavailable",
                str(len(p.identity.files)),
                str(len(d.reasons)),
            )
        )
        for r in (*d.reasons, *d.warnings):
            label = r.outcome.value if r in d.reasons else "warn"
            reasons.append(
                (p.identity.name, label, r.rule, r.finding, r.location.describe(), r.message)
            )
    out = [
        SummaryTable(
            title="vet: decisions",
            columns=("model", "decision", "reviewers", "license", "files", "reasons"),
            rows=tuple(rows),
        )
    ]
    if reasons:
        out.append(
            SummaryTable(
                title="vet: reasons",
                columns=("model", "outcome", "rule", "finding", "location", "why"),
                rows=tuple(reasons),
            )
        )
    return tuple(out)


def _use_profile(use: Path | None, preset: str | None) -> tuple[UseProfile | None, str | None]:
    if use is not None and preset is not None:
        raise UsageError("--use and --preset are exclusive", hint="give one use profile")
    if use is None and preset is None:
        return None, None
    from modelsteward.licenses import PRESETS, load_use_profile

    if use is not None:
        return load_use_profile(use), str(use)
    if preset is None or preset not in PRESETS:
        raise UsageError(
            f"unknown preset {preset!r}", hint="use one of " + ", ".join(sorted(PRESETS))
        )
    return PRESETS[preset], preset


def _scan_options(state: CliState) -> Any:
    from modelsteward.cli.scan import scan_options

    # vet hashes through the inventory walk, not the scanner
    return scan_options(state, hash_files=False, allow=[])
