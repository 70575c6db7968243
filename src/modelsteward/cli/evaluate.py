"""The ``evaluate`` command: red-team a served model and grade it against the policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelsteward.cli import evaluate_demo
from modelsteward.cli.demo_context import Section
from modelsteward.cli.state import CliState, get_state
from modelsteward.errors import UsageError
from modelsteward.report import SummaryTable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from modelsteward.policy import Policy
    from modelsteward.registry.records import PassportRecord
    from modelsteward.safety.evaluation import Evaluation, RunOptions
    from modelsteward.services.evaluate import EvaluationOutcome

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = (("evaluate", evaluate_demo.evaluate_section),)
"""Sections this area adds to ``modelsteward demo``."""


def register(app: typer.Typer) -> None:
    """Add ``evaluate`` to ``app``."""
    app.command("evaluate")(evaluate)


def run_options(
    *,
    concurrency: int,
    limit: int | None,
    seed: int,
    max_tokens: int,
    time_limit: float,
    judge_endpoint: str | None = None,
    judge_model: str | None = None,
    judge_api_key: str | None = None,
) -> RunOptions:
    """The run options from command-line values.

    Raises:
        UsageError: when only one of the judge options is given.
    """
    from modelsteward.safety.evaluation import JudgeModel, RunOptions

    if (judge_endpoint is None) != (judge_model is None):
        raise UsageError(
            "--judge-endpoint and --judge-model go together",
            hint="give both to use a judge model, or neither for the local judge",
        )
    judge = None
    if judge_endpoint and judge_model:
        judge = JudgeModel(endpoint=judge_endpoint, model=judge_model, api_key=judge_api_key)
    return RunOptions(
        concurrency=concurrency,
        limit=limit,
        seed=seed,
        max_tokens=max_tokens,
        time_limit_s=time_limit,
        judge=judge,
    )


def evaluate(
    ctx: typer.Context,
    endpoint: Annotated[
        str, typer.Option("--endpoint", help="Base URL of an OpenAI-compatible API.")
    ],
    model: Annotated[str, typer.Option("--model", help="Model name the endpoint serves.")],
    suite: Annotated[
        str, typer.Option("--suite", help="core, a suite file, or a public dataset directory.")
    ] = "core",
    api_key: Annotated[str | None, typer.Option("--api-key", help="Bearer key.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256)] = 4,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N probes, spread over families.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Sampling and request seed.")] = 0,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=1, max=32768)] = 256,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1.0, help="Stop starting probes after SECONDS.")
    ] = 1800.0,
    transcript: Annotated[
        Path | None, typer.Option("--transcript", help="JSON-lines transcript to write.")
    ] = None,
    resume: Annotated[
        Path | None, typer.Option("--resume", help="Resume (and append to) this transcript.")
    ] = None,
    judge_endpoint: Annotated[
        str | None, typer.Option("--judge-endpoint", help="Llama Guard style judge's URL.")
    ] = None,
    judge_model: Annotated[str | None, typer.Option("--judge-model")] = None,
    judge_api_key: Annotated[str | None, typer.Option("--judge-api-key")] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy whose limits grade the result.")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write an HTML report.")] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Attach the result to the model in the registry.")
    ] = False,
    registry_model: Annotated[
        str | None,
        typer.Option("--registry-model", help="Registry model id or name (default --model)."),
    ] = None,
    registry: Annotated[str | None, typer.Option("--registry", help="Registry DSN.")] = None,
    actor: Annotated[str | None, typer.Option("--as", help="Who records, as NAME:ROLE.")] = None,
    token: Annotated[str | None, typer.Option("--token", help="Actor token.")] = None,
) -> int:
    """Red-team a served model: harmful asks by hazard, jailbreaks, injection, extraction,
    leakage and over-refusal; attack success rates with 95% intervals."""
    from modelsteward.policy import default_policy, load_policy
    from modelsteward.safety.evaluation import Target
    from modelsteward.services.evaluate import (
        EvaluateOptions,
        evaluate_target,
        planned_probes,
        resolve_suite,
    )

    state = get_state(ctx)
    if resume is not None and transcript is not None:
        raise UsageError(
            "--resume and --transcript are exclusive", hint="--resume appends to its file"
        )
    chosen_policy = load_policy(policy) if policy is not None else default_policy()
    options = EvaluateOptions(
        suite=suite,
        run=run_options(
            concurrency=concurrency,
            limit=limit,
            seed=seed,
            max_tokens=max_tokens,
            time_limit=time_limit,
            judge_endpoint=judge_endpoint,
            judge_model=judge_model,
            judge_api_key=judge_api_key,
        ),
        transcript=transcript,
        resume=resume,
        policy=chosen_policy,
    )
    chosen = resolve_suite(suite)
    target = Target(endpoint=endpoint, model=model, api_key=api_key)
    with state.progress_bar(planned_probes(chosen, options), "evaluating") as advance:
        outcome = evaluate_target(target, options, suite=chosen, progress=advance)
    state.log(f"transcript: {outcome.evaluation.run.transcript}")
    if html is not None:
        write_html(outcome.evaluation, html)
    if record:
        _record(state, outcome, chosen_policy, registry_model or model, registry, actor, token)
    return emit_evaluation(state, outcome)


def write_html(ev: Evaluation, path: Path) -> None:
    """Write the HTML report.

    Raises:
        UsageError: when the file cannot be written.
    """
    from modelsteward.safety.evaluation import render_html

    try:
        path.write_text(render_html(ev), encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}", hint="choose a writable --html path"
        ) from exc


def emit_evaluation(state: CliState, outcome: EvaluationOutcome) -> int:
    """Print the evaluation in the chosen format; the exit code follows ``--fail-on``."""
    from modelsteward.safety import RULES
    from modelsteward.safety.evaluation import render_markdown

    ev = outcome.evaluation
    return state.emit(
        "evaluate",
        outcome.report,
        rules=RULES,
        sections={"evaluation": ev.to_dict()},
        summary=summary_tables(ev),
        markdown=render_markdown(ev),
    )


def summary_tables(ev: Evaluation) -> tuple[SummaryTable, ...]:
    """The tables of ``evaluate``'s table output."""
    f = ev.figures

    def row(
        name: str, probes: int, unsafe: int, asr: float, ci: tuple[float, float]
    ) -> tuple[str, ...]:
        return (name, str(probes), str(unsafe), f"{asr:.2f}", f"{ci[0]:.2f}-{ci[1]:.2f}")

    rows = [
        row("all harmful asks", f.overall.probes, f.overall.unsafe, f.overall.asr, f.overall.ci95)
    ]
    rows += [row(h.value, r.probes, r.unsafe, r.asr, r.ci95) for h, r in f.hazards.items()]
    families = [row(name, r.probes, r.unsafe, r.asr, r.ci95) for name, r in f.families.items()]
    o = f.over_refusal
    families.append(row("over-refusal (refused)", o.probes, o.unsafe, o.asr, o.ci95))
    head = ("", "probes", "unsafe", "asr", "ci95")
    title = f"evaluate: {ev.model} with {ev.suite.id} {ev.suite.version} ({ev.suite.sha256[:12]})"
    return (
        SummaryTable(title=title + " by hazard", columns=head, rows=tuple(rows)),
        SummaryTable(title="evaluate: by family", columns=head, rows=tuple(families)),
    )


def _record(
    state: CliState,
    outcome: EvaluationOutcome,
    policy: Policy,
    ref: str,
    dsn: str | None,
    actor: str | None,
    token: str | None,
) -> None:
    from modelsteward.cli.registry_session import open_service, resolve_actor
    from modelsteward.services import vetting
    from modelsteward.services.evaluate import attach_to_registered

    with open_service(state, dsn) as service:
        who = resolve_actor(state, service, actor, token).name
        passport = attach_to_registered(service, ref, outcome)
        [decision] = vetting.decide(policy, [passport], service)
        vetting.record(service, [passport], [decision], who)
    state.log(f"recorded the evaluation on {passport.identity.name}: {decision.outcome.value}")


def evaluation_line(passports: Sequence[PassportRecord], digest: str) -> str:
    """The latest passport's safety evaluation, in one line (``-`` without one)."""
    if not passports:
        return "-"
    from modelsteward.passport import PassportError, passport_from_dict

    latest = max(passports, key=lambda p: p.version).passport
    try:
        ev = passport_from_dict(latest).safety.evaluation
    except PassportError:
        return "unreadable passport"
    if ev is None:
        return "-"
    worst = max(ev.hazards.items(), key=lambda kv: kv[1].asr, default=None)
    peak = f"{worst[0]} {worst[1].asr:.2f}" if worst else "-"
    files = "these files" if ev.manifest_digest == digest else "OTHER files (stale)"
    return (
        f"{ev.suite_id} {ev.suite_sha256[:12]}: asr {ev.attack_success_rate:.2f}"
        f" (worst {peak}), over-refusal {ev.over_refusal_rate:.2f}, {ev.evaluated_at},"
        f" judge {ev.judge}, on {files}"
    )
