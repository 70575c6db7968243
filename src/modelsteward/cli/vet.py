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
from modelsteward.cli.vet_output import emit_vet, recorded_line
from modelsteward.errors import UsageError
from modelsteward.policy import Policy, default_policy
from modelsteward.policy import load_policy as read_policy
from modelsteward.vet import VetOptions, VetRun, count_units, vet_models, walk_models

if TYPE_CHECKING:
    from modelsteward.licenses import UseProfile

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
        return emit_vet(state, run, decisions, chosen, versions=_versions(chosen, options))
    from modelsteward.cli.registry_session import resolve_actor
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
        state.log(recorded_line(item))
    return emit_vet(state, run, decisions, chosen, recorded, versions=versions)


def _versions(policy: Policy, options: VetOptions) -> dict[str, str]:
    from modelsteward.services.versions import current_versions

    return current_versions(policy, options.advisory_db)


def _gateway_coverage(configs: Sequence[Path], run: VetRun) -> list[Any]:
    if not configs:
        return []
    from modelsteward.gateway.coverage import config_coverage

    return [config_coverage(configs, p) for p in run.passports]


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
