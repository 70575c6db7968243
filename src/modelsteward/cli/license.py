"""The ``license``-area commands: ``modelsteward license PATH... [--use FILE | --preset NAME]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from modelsteward.cli.demo_context import DemoContext, Section
from modelsteward.cli.state import get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Report
from modelsteward.licenses import (
    PRESETS,
    RULES,
    LicenseResult,
    UseProfile,
    check_license,
    load_use_profile,
    preset,
)
from modelsteward.licenses.lineage import probe_hub
from modelsteward.report import SummaryTable


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("license")(license_command)


def _use(use: Path | None, preset_name: str | None) -> UseProfile | None:
    if use is not None and preset_name is not None:
        raise UsageError("--use and --preset exclude each other", hint="give one of them")
    if use is not None:
        return load_use_profile(use)
    if preset_name is not None:
        return preset(preset_name)
    return None


def _summary(results: list[LicenseResult]) -> SummaryTable:
    rows = tuple(
        (
            r.path,
            r.expression or "-",
            r.status.value,
            r.source or "-",
            ", ".join(f.value for f in r.flags) or "-",
            r.decision.value if r.decision else "-",
        )
        for r in results
    )
    columns = ("path", "license", "status", "source", "flags", "decision")
    return SummaryTable(title="licenses", columns=columns, rows=rows)


def license_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Model directories, HF cache repos or license files.")
    ],
    use: Annotated[
        Path | None, typer.Option("--use", help="Use profile (YAML or JSON).", show_default=False)
    ] = None,
    preset_name: Annotated[
        str | None,
        typer.Option("--preset", help="Use preset: " + ", ".join(PRESETS), show_default=False),
    ] = None,
    online: Annotated[
        bool, typer.Option("--online", help="Ask the Hugging Face Hub about base models.")
    ] = False,
) -> int:
    """Identify each model's true license and evaluate it for an intended use."""
    state = get_state(ctx)
    profile = _use(use, preset_name)
    endpoint = None
    if online:
        if state.settings.offline:
            raise UsageError(
                "offline mode forbids --online",
                hint="drop --online, or set offline = false (MODELSTEWARD_OFFLINE=0)",
            )
        endpoint = probe_hub(state.settings.hub_endpoint)
    results: list[LicenseResult] = []
    with state.progress_bar(len(paths), "license") as advance:
        for path in paths:
            results.append(check_license(path, profile, offline=not online, hub_endpoint=endpoint))
            advance(1)
    report = Report().merge(*(r.report for r in results))
    return state.emit(
        "license",
        report,
        sections={"results": [r.to_dict() for r in results]},
        summary=(_summary(results),),
        rules=RULES,
    )


def _demo_section(ctx: DemoContext) -> None:
    profile = PRESETS["commercial-saas"]
    table = Table(title="License: the true license, for a commercial SaaS", title_justify="left")
    for column in ("model", "card says", "true license", "via", "flags", "decision"):
        table.add_column(column)
    results = [check_license(model, profile) for model in ctx.workspace.models]
    for model, result in zip(ctx.workspace.models, results, strict=True):
        via = result.lineage[0].via.value if result.lineage else (result.source or "-")
        table.add_row(
            model.name,
            result.metadata_license or "-",
            result.expression or "-",
            via,
            ", ".join(f.value for f in result.flags) or "-",
            result.decision.value if result.decision else "-",
        )
    ctx.console.print(table)
    finetune = results[-1]
    for finding in finetune.report.sorted().findings:
        if finding.severity.label in ("high", "critical"):
            line = f"  {finding.severity.label.upper()} {finding.rule_id}: {finding.message}"
            ctx.console.print(line, markup=False)
    if finetune.verdict is not None:
        ctx.console.print(
            f"  {finetune.path}: {finetune.verdict.decision.value} for commercial-saas, "
            "because of these clauses:",
            markup=False,
        )
        for clause in finetune.verdict.clauses:
            text = f"    {clause.license} §{clause.section}: “{clause.quote}”"
            ctx.console.print(text, markup=False)


DEMO_SECTIONS: tuple[tuple[str, Section], ...] = (("license", _demo_section),)
"""Sections this area adds to ``modelsteward demo``, in order."""
