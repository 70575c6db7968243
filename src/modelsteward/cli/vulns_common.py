"""Helpers shared by the ``vulns``-area commands."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.state import CliState
from modelsteward.errors import UsageError
from modelsteward.findings import Severity, Skipped
from modelsteward.vulns import (
    AdvisoryDatabase,
    JsonSlaStateStore,
    Package,
    SlaPolicy,
    SlaStateStore,
    ThreatData,
    inventory_from_engine,
    load_epss,
    load_kev,
    read_inventory,
)
from modelsteward.vulns.sla import DEFAULT_DAYS
from modelsteward.vulns.triage import Triage, load_ignore_file, parse_ignore

SlaStateOption = Annotated[
    Path | None, typer.Option("--state", help="SLA state JSON file instead of the registry.")
]
"""``--state FILE``: keep SLA clocks in a JSON file (commands that read or write them)."""
SlaRegistryOption = Annotated[
    str | None, typer.Option("--registry", help="Registry DSN holding the SLA clocks.")
]
"""``--registry DSN``: the registry that keeps SLA clocks."""

SLA_STATE_NAME = "sla-state.json"


def collect_packages(
    paths: Iterable[Path], engines: Iterable[str]
) -> tuple[list[Package], list[Skipped]]:
    """Read every inventory path (format detected) and every engine URL."""
    packages: list[Package] = []
    skipped: list[Skipped] = []
    for path in paths:
        inventory = read_inventory(path)
        packages.extend(inventory.packages)
        skipped.extend(inventory.skipped)
    for url in engines:
        packages.extend(inventory_from_engine(url))
    return packages, skipped


@contextmanager
def open_db(state: CliState, db: Path | None) -> Iterator[AdvisoryDatabase]:
    """Open ``--db`` or the configured advisory database (raises VulnError with a hint)."""
    database = AdvisoryDatabase.open(db or state.settings.advisory_db_path)
    try:
        yield database
    finally:
        database.close()


def parse_today(text: str | None) -> date:
    """``--today`` as a date, defaulting to today (UTC)."""
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"invalid date {text!r}", hint="use YYYY-MM-DD") from exc


def sla_policy(overrides: Sequence[str], kev: Path | None, epss: Path | None) -> SlaPolicy:
    """The SLA policy: defaults, ``severity=days`` overrides, and KEV/EPSS data."""
    days = dict(DEFAULT_DAYS)
    for item in overrides:
        name, _, value = item.partition("=")
        try:
            days[Severity.parse(name)] = int(value)
        except ValueError as exc:
            raise UsageError(f"invalid --sla {item!r}", hint="use e.g. --sla critical=7") from exc
    threat = ThreatData(
        kev=load_kev(kev) if kev else {},
        epss=load_epss(epss) if epss else {},
    )
    return SlaPolicy(days=days, threat=threat)


@contextmanager
def state_store(
    state: CliState, path: Path | None, registry: str | None = None
) -> Iterator[SlaStateStore]:
    """Where SLA clocks live: the ``--state`` JSON file when given, else the registry
    (``--registry`` / ``MODELSTEWARD_REGISTRY``, by default SQLite in the data directory),
    closed when the block ends.

    Raises:
        StoreError: when the registry cannot be opened.
    """
    if path is not None:
        yield JsonSlaStateStore(path)
        return
    from modelsteward.registry import open_registry  # SQLAlchemy only when needed

    opened = open_registry(registry or state.settings.registry_dsn)
    try:
        yield opened.sla_state()
    finally:
        opened.close()


def triage_rules(
    severity: str | None, ignore_unfixed: bool, ignores: Sequence[str], ignore_file: Path | None
) -> Triage:
    """``--severity``, ``--ignore-unfixed``, ``--ignore`` and ``--ignore-file`` as rules.

    Raises:
        UsageError: when the severity is unknown.
        VulnError: when an ignore entry or the ignore file is malformed.
    """
    level = Severity.INFO
    if severity:
        try:
            level = Severity.parse(severity)
        except ValueError as exc:
            raise UsageError(
                f"unknown severity {severity!r}", hint="use --severity low|medium|high|critical"
            ) from exc
    entries = [parse_ignore(text) for text in ignores]
    if ignore_file is not None:
        entries += load_ignore_file(ignore_file)
    return Triage(min_severity=level, ignore_unfixed=ignore_unfixed, ignores=tuple(entries))
