"""The ``sla`` and ``bom`` commands."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from modelsteward.cli.license import stack_licenses
from modelsteward.cli.state import get_state
from modelsteward.cli.vulns_common import (
    SlaRegistryOption,
    SlaStateOption,
    collect_packages,
    open_db,
    parse_today,
    state_store,
)
from modelsteward.errors import UsageError
from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.report import OutputFormat, SummaryTable
from modelsteward.vulns import (
    RULES,
    RiskException,
    SlaEntry,
    VulnError,
    accept_risk,
    build_bom,
    match_packages,
)
from modelsteward.vulns.rules import EXCEPTION_EXPIRED, OVERDUE


def register_sla(app: typer.Typer) -> None:
    """Add ``sla status`` and ``sla accept``."""
    sla_app = typer.Typer(help="SLA clocks for deployed vulnerabilities.", no_args_is_help=True)
    sla_app.command("status")(sla_status)
    sla_app.command("accept")(sla_accept)
    app.add_typer(sla_app, name="sla")


def register_bom(app: typer.Typer) -> None:
    """Add ``bom``."""
    app.command("bom")(bom)


def sla_status(
    ctx: typer.Context,
    deployment: Annotated[str | None, typer.Option(help="Only this deployment.")] = None,
    sla_state: SlaStateOption = None,
    registry: SlaRegistryOption = None,
    today: Annotated[str | None, typer.Option(help="Evaluate as of this date.")] = None,
    show_fixed: Annotated[bool, typer.Option("--all", help="Include fixed items.")] = False,
) -> int:
    """Show due and overdue items; exit 1 when something is overdue."""
    state = get_state(ctx)
    day = parse_today(today)
    with state_store(state, sla_state, registry) as store:
        entries = [
            e
            for e in store.entries()
            if deployment in (None, e.deployment) and (show_fixed or e.fixed_on is None)
        ]
    entries.sort(key=lambda e: (e.due, -e.severity, e.key))
    findings = [f for e in entries for f in _entry_findings(e, day)]
    rows = tuple(
        (
            e.deployment,
            e.vuln_id,
            f"{e.package} {e.version}",
            e.severity.label,
            e.first_seen.isoformat(),
            e.due.isoformat(),
            e.status(day),
            e.exception.owner if e.exception else "-",
        )
        for e in entries
    )
    overdue = any(e.status(day) == "overdue" for e in entries)
    return state.emit(
        "sla status",
        Report.of(findings),
        sections={"sla": [_entry_dict(e, day) for e in entries]},
        summary=(
            SummaryTable(
                title=f"SLA board ({len(rows)})",
                columns=(
                    "deployment",
                    "id",
                    "package",
                    "severity",
                    "first seen",
                    "due",
                    "status",
                    "owner",
                ),
                rows=rows,
            ),
        ),
        rules=RULES,
        denied=overdue,
    )


def sla_accept(
    ctx: typer.Context,
    vuln_id: Annotated[str, typer.Argument(help="The vulnerability id as reported.")],
    deployment: Annotated[str, typer.Option(help="The deployment.")],
    owner: Annotated[str, typer.Option(help="Who owns the accepted risk.")],
    expires: Annotated[str, typer.Option(help="YYYY-MM-DD; the exception ends then.")],
    reason: Annotated[str, typer.Option(help="Why the risk is accepted.")] = "",
    today: Annotated[
        str | None, typer.Option(help="Accept as of this day (YYYY-MM-DD; default today).")
    ] = None,
    sla_state: SlaStateOption = None,
    registry: SlaRegistryOption = None,
) -> int:
    """Record an accepted risk (an exception with an owner and an expiry from today on)."""
    state = get_state(ctx)
    day = parse_today(today)
    exception = RiskException(owner=owner, expires=parse_today(expires), reason=reason)
    with state_store(state, sla_state, registry) as store:
        hits = accept_risk(
            store, deployment=deployment, vuln_id=vuln_id, exception=exception, today=day
        )
    return state.emit(
        "sla accept",
        Report(),
        sections={"sla": [_entry_dict(e, day) for e in hits]},
        rules=RULES,
    )


def _entry_dict(entry: SlaEntry, today: date) -> dict[str, object]:
    out: dict[str, object] = {
        "deployment": entry.deployment,
        "id": entry.vuln_id,
        "package": entry.package,
        "version": entry.version,
        "severity": entry.severity.label,
        "first_seen": entry.first_seen.isoformat(),
        "sla_due": entry.due.isoformat(),
        "fixed_on": entry.fixed_on.isoformat() if entry.fixed_on else None,
        "status": entry.status(today),
        "exception": None,
    }
    if entry.exception is not None:
        out["exception"] = {
            "owner": entry.exception.owner,
            "expires": entry.exception.expires.isoformat(),
            "reason": entry.exception.reason,
        }
    return out


def _entry_findings(entry: SlaEntry, today: date) -> list[Finding]:
    where = Location(path=entry.deployment, package=entry.package)
    out: list[Finding] = []
    if entry.exception is not None and not entry.exception.active(today):
        out.append(
            Finding(
                rule_id=EXCEPTION_EXPIRED.id,
                severity=Severity.MEDIUM,
                message=f"the exception for {entry.vuln_id} owned by {entry.exception.owner} "
                f"expired on {entry.exception.expires.isoformat()}",
                location=where,
                refs=(entry.vuln_id,),
            )
        )
    if entry.status(today) == "overdue":
        out.append(
            Finding(
                rule_id=OVERDUE.id,
                severity=max(entry.severity, Severity.HIGH),
                message=f"{entry.vuln_id} on {entry.package} {entry.version} was due on "
                f"{entry.due.isoformat()} and is {(today - entry.due).days} days overdue",
                location=where,
                evidence=f"first seen {entry.first_seen.isoformat()}",
                refs=(entry.vuln_id,),
            )
        )
    return out


def bom(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Model directories or files.")],
    inventory: Annotated[
        list[Path] | None,
        typer.Option("--inventory", "-i", help="Runtime inventory (requirements, lock, venv...)."),
    ] = None,
    engine: Annotated[list[str] | None, typer.Option(help="Engine URL serving the model.")] = None,
    db: Annotated[Path | None, typer.Option(help="Advisory database directory.")] = None,
    license_id: Annotated[
        str | None, typer.Option("--license", help="License id (default: model card).")
    ] = None,
    base_model: Annotated[
        str | None, typer.Option(help="Base model repo id (default: model card).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="With several PATHs: write NAME.cdx.json files here.")
    ] = None,
    today: Annotated[str | None, typer.Option(help="Evaluate SLA dates as of this date.")] = None,
) -> int:
    """Write a CycloneDX 1.6 AI-BOM: model, hashes, license, runtime and vulnerabilities.

    Examples:

      modelsteward bom models/foo -i requirements.txt --output foo.cdx.json

      modelsteward bom models/a models/b --out-dir boms/
    """
    state = get_state(ctx)
    if len(paths) > 1 and out_dir is None:
        raise UsageError("several models need --out-dir", hint="add --out-dir DIR")
    packages, skipped = collect_packages(inventory or [], engine or [])
    vulns: tuple[Any, ...] = ()
    report = Report(skipped=tuple(skipped))
    if packages:
        try:
            with open_db(state, db) as database:
                result = match_packages(packages, database, today=parse_today(today))
            vulns = result.vulnerabilities
        except VulnError as exc:
            if db is not None:
                raise
            state.log(f"warning: {exc.message}; the BOM lists no vulnerabilities ({exc.hint})")
    package_licenses = stack_licenses(inventory, None).licenses_by_package() if inventory else {}
    documents = []
    for path in paths:
        card = _card_front_matter(path)
        text = build_bom(
            path,
            packages,
            vulns,
            license_id=license_id or _first(card.get("license")),
            base_model=base_model or _first(card.get("base_model")),
            package_licenses=package_licenses,
        )
        documents.append((path, text))
    if len(documents) == 1:
        fmt = OutputFormat.CYCLONEDX if state.fmt is OutputFormat.TABLE else state.fmt
        text = documents[0][1]
        return dataclasses.replace(state, fmt=fmt).emit(
            "bom", report, sections={"bom": json.loads(text)}, cyclonedx=text, rules=RULES
        )
    assert out_dir is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in documents:
        target = out_dir / f"{path.resolve().name}.cdx.json"
        target.write_text(text, encoding="utf-8")
        written.append({"model": str(path), "bom": str(target)})
    rows = tuple((w["model"], w["bom"]) for w in written)
    return state.emit(
        "bom",
        report,
        sections={"boms": written},
        summary=(SummaryTable(title="AI-BOMs", columns=("model", "bom"), rows=rows),),
        rules=RULES,
    )


def _first(value: object) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) and value else None


def _card_front_matter(path: Path) -> dict[str, Any]:
    """The YAML front matter of the model card (``README.md``), or ``{}``."""
    card = path / "README.md" if path.is_dir() else path.with_name("README.md")
    try:
        text = card.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if not text.startswith("---"):
        return {}
    head, sep, _ = text[3:].partition("\n---")
    if not sep:
        return {}
    try:
        data = yaml.safe_load(head)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}
