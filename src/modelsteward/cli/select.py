"""``modelsteward select``: open model or commercial API, by hard constraints, total cost of
ownership and weighted criteria, recorded as a decision for the policy's reviewers."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelsteward.cli.demo_context import Section
from modelsteward.cli.state import CliState, get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Finding, Location, Report, Rule, Severity
from modelsteward.report import SummaryTable
from modelsteward.selection.markdown import money, render_selection, sensitivity_row

if TYPE_CHECKING:
    from modelsteward.selection.measure import Throughput

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = ()

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            id="select.candidate.ineligible",
            summary="A candidate fails a hard constraint of the scenario.",
            help="The reason names the constraint: license, residency, data terms, safety, "
            "fine-tuning or latency.",
            severity=Severity.INFO,
        ),
        Rule(
            id="select.decision.none",
            summary="No candidate meets the hard constraints.",
            help="Relax a constraint, add candidates, or obtain the licence or terms missing.",
            severity=Severity.HIGH,
        ),
    )
}


def register(app: typer.Typer) -> None:
    """Add ``select`` to ``app``."""
    app.command(
        "select",
        help="Choose between open models and commercial APIs: constraints, TCO, scores.",
        epilog="Examples:\n\n  modelsteward select --example > scenario.yaml\n\n"
        "  modelsteward select scenario.yaml --format markdown\n\n"
        "  modelsteward select scenario.yaml --measure llama-8b=http://127.0.0.1:8080/v1\n\n"
        "  modelsteward select scenario.yaml --record --as dana:requester",
    )(select)


def select(
    ctx: typer.Context,
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario YAML (see --example).", show_default=False),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Print a commented example scenario and exit.")
    ] = False,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="Price file overriding the built-in assumptions."),
    ] = None,
    measure: Annotated[
        list[str] | None,
        typer.Option(
            "--measure",
            help="Measure a candidate's throughput: NAME=URL (or URL when there is one open "
            "candidate). Repeatable.",
            show_default=False,
        ),
    ] = None,
    measure_model: Annotated[
        str | None,
        typer.Option("--measure-model", help="Model name to send (default: the candidate's)."),
    ] = None,
    measure_requests: Annotated[
        int, typer.Option("--measure-requests", help="Requests per measurement.", min=1, max=10000)
    ] = 16,
    measure_concurrency: Annotated[
        int, typer.Option("--measure-concurrency", help="Concurrent requests.", min=1, max=512)
    ] = 4,
    measure_timeout: Annotated[
        float, typer.Option("--measure-timeout", help="Seconds a measurement may take.", min=1)
    ] = 120.0,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", help="Bearer key for the measured endpoint.", show_default=False),
    ] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML (default: the shipped one).")
    ] = None,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="Registry DSN for registered candidates and --record.",
            show_default=False,
        ),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record the decision in the registry.")
    ] = False,
    actor: Annotated[
        str | None, typer.Option("--as", help="Who records, as NAME:ROLE.", show_default=False)
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", help="Registry token (else MODELSTEWARD_TOKEN).", show_default=False
        ),
    ] = None,
) -> int:
    """Open or commercial: hard constraints, total cost of ownership, weighted scores."""
    state = get_state(ctx)
    if example:
        sys.stdout.write(example_text())
        return 0
    if scenario is None:
        raise UsageError(
            "select needs a scenario file",
            hint="start from the example: modelsteward select --example > scenario.yaml",
        )
    from modelsteward.policy import default_policy, load_policy
    from modelsteward.selection.scenario import load_scenario

    parsed, _raw, digest = load_scenario(scenario)
    chosen_policy = load_policy(policy) if policy is not None else default_policy()
    measured = _measure(
        state,
        parsed,
        measure or [],
        model=measure_model,
        api_key=api_key,
        requests=measure_requests,
        concurrency=measure_concurrency,
        timeout=measure_timeout,
    )
    needs_registry = record or any(
        c.model is not None and _registered_ref(c.model, scenario.parent) for c in parsed.open
    )
    if not needs_registry:
        from modelsteward.services.select import run_selection

        run = run_selection(
            parsed,
            digest,
            base_dir=scenario.parent,
            policy=chosen_policy,
            prices=prices,
            measured=measured,
        )
        return _emit(state, scenario, run, None)
    from modelsteward.cli.registry_session import resolve_actor
    from modelsteward.registry import open_registry
    from modelsteward.services.select import record_selection, run_selection

    service = open_registry(registry or state.settings.registry_dsn)
    try:
        run = run_selection(
            parsed,
            digest,
            base_dir=scenario.parent,
            policy=chosen_policy,
            prices=prices,
            registry=service,
            measured=measured,
        )
        recorded = None
        if record:
            who = resolve_actor(state, service, actor, token).name
            recorded = record_selection(service, run, policy=chosen_policy, actor=who)
            waits = ", ".join(r.value for r in recorded.missing_roles) or "nobody"
            state.log(
                f"recorded selection decision {recorded.id} ({parsed.name}, choice "
                f"{recorded.subject}); waiting for: {waits}"
            )
    finally:
        service.close()
    return _emit(state, scenario, run, recorded)


def example_text() -> str:
    """The commented example scenario shipped with the package."""
    return resources.files("modelsteward.selection").joinpath("data/example.yaml").read_text()


def _registered_ref(model: str, base: Path) -> bool:
    if model.startswith("registry:"):
        return True
    if model.startswith("hf://"):
        return False
    path = Path(model)
    return not (path if path.is_absolute() else base / path).exists()


def _measure(
    state: CliState,
    scenario: object,
    specs: list[str],
    *,
    model: str | None,
    api_key: str | None,
    requests: int,
    concurrency: int,
    timeout: float,
) -> dict[str, Throughput]:
    from modelsteward.selection.measure import measure_throughput
    from modelsteward.selection.scenario import Scenario

    assert isinstance(scenario, Scenario)
    names = [c.name for c in scenario.open]
    targets: dict[str, tuple[str, str, str | None]] = {}
    for spec in specs:
        name, sep, url = spec.partition("=")
        if not sep or "://" in name:
            if len(names) != 1:
                raise UsageError(
                    f"--measure {spec!r} does not name a candidate",
                    hint="write --measure NAME=URL with NAME one of " + ", ".join(names),
                )
            name, url = names[0], spec
        if name not in names:
            raise UsageError(
                f"--measure names no open candidate {name!r}",
                hint="use one of " + (", ".join(names) or "(no open candidates)"),
            )
        targets[name] = (url, model or name, api_key)
    for cand in scenario.open:
        if cand.name not in targets and cand.measure is not None:
            targets[cand.name] = (cand.measure.endpoint, cand.measure.model, cand.measure.api_key)
    out: dict[str, Throughput] = {}
    use = scenario.use
    for name, (url, served, key) in targets.items():
        state.log(f"measuring {name} at {url} ({requests} requests, concurrency {concurrency})")
        out[name] = measure_throughput(
            url,
            served,
            api_key=key,
            input_tokens=use.input_tokens,
            output_tokens=int(use.output_tokens),
            requests=requests,
            concurrency=concurrency,
            time_limit_s=timeout,
        )
    return out


def _emit(state: CliState, scenario_path: Path, run: object, recorded: object) -> int:
    from modelsteward.registry.records import DecisionRecord
    from modelsteward.services.select import SelectionRun

    assert isinstance(run, SelectionRun)
    sel = run.selection
    where = str(scenario_path)
    findings = [
        Finding(
            rule_id="select.candidate.ineligible",
            severity=Severity.INFO,
            message=f"{c.name} ({c.kind}) is out: {c.reasons[0]}.",
            location=Location(path=where),
            evidence=c.name,
        )
        for c in sel.candidates
        if not c.eligible
    ]
    if sel.choice is None:
        findings.append(
            Finding(
                rule_id="select.decision.none",
                severity=Severity.HIGH,
                message="No candidate meets the hard constraints.",
                location=Location(path=where),
                evidence=sel.scenario,
            )
        )
    sections: dict[str, object] = {"selection": sel.to_dict()}
    if isinstance(recorded, DecisionRecord):
        sections["record"] = recorded.to_dict() | {"payload": None}
    months = sel.horizon_months
    rows = tuple(
        (
            c.name,
            c.kind,
            "yes" if c.eligible else "no",
            money(c.cost.monthly_usd),
            money(c.cost.over(months)),
            "-" if c.break_even is None else f"{c.break_even:,.0f}",
            "-" if c.score is None else f"{c.score:.2f}",
            _reason_cell(c),
        )
        for c in sel.candidates
    )
    summary = [
        SummaryTable(
            title=f"select: {sel.scenario} ({sel.requests_per_month:,.0f} requests a month, "
            f"{months} months)",
            columns=(
                "candidate",
                "kind",
                "eligible",
                "per month",
                f"{months} months",
                "break-even req/month",
                "score",
                "reasons",
            ),
            rows=rows,
        ),
        SummaryTable(
            title="select: sensitivity (monthly cost, cheapest eligible)",
            columns=("volume", "GPU price", "utilisation", "cheapest", "costs"),
            rows=tuple(sensitivity_row(r) for r in sel.sensitivity),
        ),
        SummaryTable(
            title="select: decision",
            columns=("choice", "kind", "rationale"),
            rows=((sel.choice or "none", sel.kind or "-", sel.rationale),),
        ),
    ]
    return state.emit(
        "select",
        Report.of(findings),
        sections=sections,
        summary=tuple(summary),
        rules=RULES,
        markdown=render_selection(sel),
        denied=sel.choice is None,
    )


def _reason_cell(c: object) -> str:
    from modelsteward.selection.result import CandidateResult

    assert isinstance(c, CandidateResult)
    if not c.eligible:
        return "; ".join(c.reasons)
    duties = sum(r.startswith("obligation:") for r in c.reasons)
    other = [r for r in c.reasons if not r.startswith("obligation:")]
    text = [f"{duties} license obligation(s)"] if duties else []
    return "; ".join(text + other) or "-"
