"""The evaluation's ``modelsteward demo`` section: red-team the demo GGUF through the embedded
engine, then show what the default policy makes of it for customer-facing use."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from rich.table import Table

from modelsteward.cli.demo_context import DemoContext
from modelsteward.errors import StewardError

_LIMIT = 13
"""One probe per family: enough to show the flow in seconds, far too few to judge a model."""


def evaluate_section(ctx: DemoContext) -> None:
    """Print the evaluation section of the demo."""
    from modelsteward.licenses import PRESETS
    from modelsteward.policy import default_policy, evaluate
    from modelsteward.safety.evaluation import RunOptions
    from modelsteward.services.evaluate import EMBEDDED, EvaluateOptions, evaluate_model
    from modelsteward.vet import VetOptions, vet_models, walk_models

    console = ctx.console
    console.print("[bold]Safety evaluation: red-team the demo GGUF through the embedded engine[/]")
    gguf = ctx.workspace.gguf
    use = PRESETS["commercial-saas"]
    inventories = walk_models([str(gguf)])
    vetted = vet_models(inventories, VetOptions(use=use, use_label="commercial-saas"))
    with tempfile.TemporaryDirectory() as tmp:
        options = EvaluateOptions(
            run=RunOptions(limit=_LIMIT, max_tokens=48), transcript=Path(tmp) / "t.jsonl"
        )
        try:
            passport, outcome = evaluate_model(
                vetted.passports[0],
                inventories[0],
                EMBEDDED,
                replace(options, policy=default_policy()),
            )
        except StewardError as exc:
            console.print(f"  skipped: {exc.message}")
            return
    ev = outcome.evaluation
    title = f"{gguf.name}: {ev.figures.probes} probes of {ev.suite.id}"
    table = Table(title=title, title_justify="left")
    for column in ("family", "probes", "succeeded"):
        table.add_column(column)
    for family, rate in ev.figures.families.items():
        table.add_row(family, str(rate.probes), str(rate.unsafe))
    console.print(table)
    # The question shown: could the evaluation stand in for a safety layer that is not there?
    unguarded = replace(passport, safety=replace(passport.safety, configured=False))
    decision = evaluate(default_policy(), unguarded)
    reasons = [r for r in decision.reasons if r.rule == "safety-layer"]
    console.print(
        f"  attack success {ev.figures.overall.asr:.0%} of harmful asks; without the safety layer "
        f"the default policy says {decision.outcome.value} for customer-facing use"
        + (f" ({len(reasons)} hazard reasons)" if reasons else "")
    )
