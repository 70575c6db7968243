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
from modelsteward.licenses.stack import StackResult, check_stack
from modelsteward.licenses.stack_sources import (
    DeclaredMetadata,
    is_environment,
    read_environment,
    read_sbom,
)
from modelsteward.report import SummaryTable
from modelsteward.vulns import load_inventory


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
        list[Path] | None,
        typer.Argument(help="Model directories, HF cache repos or license files."),
    ] = None,
    use: Annotated[
        Path | None, typer.Option("--use", help="Use profile (YAML or JSON).", show_default=False)
    ] = None,
    preset_name: Annotated[
        str | None,
        typer.Option(
            "--preset", metavar="NAME", help="Use preset: " + ", ".join(PRESETS), show_default=False
        ),
    ] = None,
    online: Annotated[
        bool, typer.Option("--online", help="Ask the Hugging Face Hub about base models.")
    ] = False,
    stack: Annotated[
        list[Path] | None,
        typer.Option(
            "--stack",
            help="Software-stack inventory: a venv or site-packages, a CycloneDX SBOM, a "
            "requirements or lock file (repeatable).",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Identify each model's true license and evaluate it for an intended use; with
    --stack, the licenses of the Python packages that serve or train it.

    Examples:

      modelsteward license models/foo --preset commercial-saas

      modelsteward license ~/.cache/huggingface/hub/models--org--name --use use.yaml
    """
    state = get_state(ctx)
    models = paths or []
    if not models and not stack:
        raise UsageError("nothing to check", hint="give model paths, or --stack INVENTORY, or both")
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
    with state.progress_bar(len(models), "license") as advance:
        for path in models:
            results.append(check_license(path, profile, offline=not online, hub_endpoint=endpoint))
            advance(1)
    report = Report().merge(*(r.report for r in results))
    sections: dict[str, object] = {"results": [r.to_dict() for r in results]}
    summary: tuple[SummaryTable, ...] = (_summary(results),) if results else ()
    if stack:
        stack_result = stack_licenses(stack, profile)
        report = report.merge(stack_result.report)
        sections["stack"] = stack_result.to_dict()
        summary = (*summary, _stack_summary(stack_result))
    return state.emit("license", report, sections=sections, summary=summary, rules=RULES)


def stack_licenses(inventories: list[Path], use: UseProfile | None) -> StackResult:
    """Judge the licenses of every package in ``inventories``: installed environments and
    SBOMs carry license metadata; requirements and lock files name packages whose license
    is looked up in those (else it is unknown, not installed)."""
    installed: list[DeclaredMetadata] = []
    pinned: list[tuple[str, str, str]] = []
    for path in inventories:
        if is_environment(path):
            metas, _ = read_environment(path)
            installed.extend(metas)
        elif path.suffix == ".json" and path.is_file() and _is_cyclonedx(path):
            metas, _ = read_sbom(path)
            installed.extend(metas)
        else:
            pinned.extend((p.name, p.version, str(path)) for p in load_inventory(path))
    return check_stack(pinned, installed, use=use, inventories=[str(p) for p in inventories])


def _is_cyclonedx(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'"bomFormat"' in head and b"CycloneDX" in head


def _stack_summary(result: StackResult) -> SummaryTable:
    rows = tuple(
        (
            p.name,
            p.version or "-",
            p.expression or p.status.value,
            p.category.value,
            p.origin or "-",
            ", ".join(f.removeprefix("license.stack.") for f in p.flags) or "-",
        )
        for p in result.packages
    )
    columns = ("package", "version", "license", "category", "from", "flags")
    return SummaryTable(title="stack licenses", columns=columns, rows=rows)


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
