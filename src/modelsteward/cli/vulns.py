"""The ``vulns``-area commands: ``vulns``, ``db update|status``, ``sla status|accept``, ``bom``."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.bom import register_bom
from modelsteward.cli.demo_context import Section
from modelsteward.cli.sla import register_sla
from modelsteward.cli.state import CliState, get_state
from modelsteward.cli.vulns_common import (
    SlaRegistryOption,
    SlaStateOption,
    collect_packages,
    open_db,
    parse_today,
    sla_policy,
    state_store,
    triage_rules,
)
from modelsteward.cli.vulns_demo import DEMO_SECTIONS as _DEMO
from modelsteward.cli.vulns_report import (
    detail_table,
    package_table,
    severity_table,
    summary_section,
)
from modelsteward.errors import UsageError
from modelsteward.findings import Report, Skipped
from modelsteward.report import SummaryTable
from modelsteward.vulns import RULES, match_packages, record_sightings, update_database
from modelsteward.vulns.rules import AFFECTED, AMBIGUOUS
from modelsteward.vulns.triage import plan_upgrades, triage

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = _DEMO
"""Sections this area adds to ``modelsteward demo``, in order."""


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("vulns")(vulns)
    db_app = typer.Typer(help="Fetch and inspect the OSV advisory database.", no_args_is_help=True)
    db_app.command("update")(db_update)
    db_app.command("status")(db_status)
    app.add_typer(db_app, name="db")
    register_sla(app)
    register_bom(app)


def vulns(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Inventories: requirements, lock files, venvs, SBOMs (detected)."),
    ] = None,
    requirements: Annotated[
        list[Path] | None, typer.Option("--requirements", "-r", help="Requirements file.")
    ] = None,
    lock: Annotated[list[Path] | None, typer.Option(help="uv/poetry/pdm lock file.")] = None,
    sbom: Annotated[list[Path] | None, typer.Option(help="CycloneDX JSON SBOM.")] = None,
    site_packages: Annotated[
        list[Path] | None, typer.Option(help="A venv or site-packages directory.")
    ] = None,
    engine: Annotated[
        list[str] | None, typer.Option(help="Engine URL (vLLM, Ollama, llama.cpp server).")
    ] = None,
    db: Annotated[Path | None, typer.Option(help="Advisory database directory.")] = None,
    deployment: Annotated[
        str | None,
        typer.Option(help="Record SLA clocks for this deployment (in the registry or --state)."),
    ] = None,
    sla_state: SlaStateOption = None,
    registry: SlaRegistryOption = None,
    kev: Annotated[Path | None, typer.Option(help="CISA KEV catalog JSON.")] = None,
    epss: Annotated[Path | None, typer.Option(help="EPSS scores CSV (.gz allowed).")] = None,
    sla: Annotated[
        list[str] | None, typer.Option(help="Override SLA days: critical=7 (repeatable).")
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="Evaluate as of this date (YYYY-MM-DD).")
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(
            metavar="LEVEL",
            help="Report only vulnerabilities at LEVEL or above: low, medium, high, critical.",
        ),
    ] = None,
    ignore_unfixed: Annotated[
        bool, typer.Option("--ignore-unfixed", help="Leave out vulnerabilities with no fix.")
    ] = False,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID[:YYYY-MM-DD[:REASON]]",
            help="Do not report this vulnerability (any of its ids) until the date; repeatable.",
        ),
    ] = None,
    ignore_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="YAML ignore list: ignore: [{id, reason, expires}]."),
    ] = None,
    details: Annotated[
        bool, typer.Option("--details", help="Also list every vulnerability in the table.")
    ] = False,
) -> int:
    """Match an inventory against the OSV advisories: totals by severity, the smallest
    upgrade per package, SLA due dates.

    Examples:

      modelsteward vulns requirements.txt

      modelsteward vulns uv.lock --severity high --ignore-unfixed

      modelsteward vulns .venv --ignore GHSA-xxxx-xxxx-xxxx:2027-01-31:"not reachable"
    """
    state = get_state(ctx)
    sources = [*(paths or ()), *(requirements or ()), *(lock or ()), *(sbom or ())]
    sources += list(site_packages or ())
    if not sources and not engine:
        raise UsageError(
            "no inventory given",
            hint="pass requirements/lock/SBOM paths, --site-packages DIR or --engine URL",
        )
    packages, skipped = collect_packages(sources, engine or [])
    day = parse_today(today)
    policy = sla_policy(sla or [], kev, epss)
    rules = triage_rules(severity, ignore_unfixed, ignore or [], ignore_file)
    with ExitStack() as stack:
        store = stack.enter_context(state_store(state, sla_state, registry)) if deployment else None
        with open_db(state, db) as database:
            earlier = store.entries() if store is not None else []
            result = match_packages(
                packages,
                database,
                today=day,
                sla=policy,
                state=earlier,
                deployment=deployment or "default",
            )
            triaged = triage(result, rules, day)
            upgrades = plan_upgrades(
                triaged.result.vulnerabilities, database, today=day, rules=rules
            )
        if store is not None and deployment:
            record_sightings(store, deployment, result.sla_entries, day)
    shown = triaged.result
    report = shown.report.merge(Report(skipped=tuple(skipped))).sorted()
    counts = summary_section(result.packages, triaged, upgrades)
    tables = [severity_table(counts)]
    if shown.vulnerabilities:
        tables.append(package_table(triaged, upgrades))
    if details:
        tables.append(detail_table(shown.vulnerabilities))
    return state.emit(
        "vulns",
        report,
        sections={
            **shown.to_sections(),
            "summary": counts,
            "upgrades": [u.to_dict() for u in upgrades],
            "ignored": [
                {**entry.to_dict(), "package": v.package, "version": v.version}
                for v, entry in triaged.ignored
            ],
        },
        summary=tuple(tables),
        rules=RULES,
        listed_rules=LISTED if not details else frozenset({AFFECTED.id}),
    )


LISTED = frozenset({AFFECTED.id, AMBIGUOUS.id})
"""Findings the package table counts; ``--details`` lists the ambiguous ones again."""


def db_update(
    ctx: typer.Context,
    source: Annotated[
        Path | None,
        typer.Option("--from", help="Build offline from an all.zip or a directory of records."),
    ] = None,
    ecosystem: Annotated[
        list[str] | None, typer.Option(help="OSV ecosystem to download (repeatable).")
    ] = None,
    url: Annotated[str | None, typer.Option(help="Base URL of the OSV exports.")] = None,
    db: Annotated[Path | None, typer.Option(help="Advisory database directory.")] = None,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Install the new index even when it holds over 10% fewer records.",
        ),
    ] = False,
) -> int:
    """Download OSV's export (or import one offline), verify it, and swap the index in.

    Examples:

      modelsteward db update

      modelsteward db update --from all.zip
    """
    from modelsteward.vulns import OSV_EXPORT_URL

    state = get_state(ctx)
    if source is None and state.settings.offline:
        raise UsageError(
            "offline mode forbids downloading advisories",
            hint="use 'modelsteward db update --from PATH' with a local all.zip",
        )
    dest = db or state.settings.advisory_db_path
    state.log(f"building the advisory index at {dest} ...")
    stats = update_database(
        dest,
        ecosystems=tuple(ecosystem or ("PyPI",)),
        base_url=url or OSV_EXPORT_URL,
        from_path=source,
        allow_shrink=allow_shrink,
    )
    return _emit_stats(state, "db update", stats)


def db_status(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option(help="Advisory database directory.")] = None,
) -> int:
    """Show the advisory database's source, age and counts."""
    state = get_state(ctx)
    with open_db(state, db) as database:
        stats = database.stats()
    return _emit_stats(state, "db status", stats)


def _cell(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "none" if value is None else str(value)


def _emit_stats(state: CliState, command: str, stats: object) -> int:
    from modelsteward.vulns import IndexStats

    assert isinstance(stats, IndexStats)
    age = stats.age_days(datetime.now(UTC))
    info: dict[str, object] = {
        "path": str(stats.path),
        "source": stats.source,
        "built_at": stats.built_at,
        "age_days": round(age, 2),
        "records": stats.records,
        "withdrawn": stats.withdrawn,
        "packages": stats.packages,
        "ecosystems": list(stats.ecosystems),
    }
    if command == "db update":
        info["previous_records"] = stats.previous_records
    rows = tuple((key, _cell(value)) for key, value in info.items())
    skipped: tuple[Skipped, ...] = ()
    if age > 7:
        skipped = (Skipped(str(stats.path), f"the index is {age:.0f} days old; run db update"),)
    return state.emit(
        command,
        Report(skipped=skipped),
        sections={"database": info},
        summary=(SummaryTable(title="advisory database", columns=("field", "value"), rows=rows),),
        rules=RULES,
    )
