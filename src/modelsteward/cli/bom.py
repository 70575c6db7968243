"""The ``bom`` command: a CycloneDX AI-BOM of a model, its stack and their advisories."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from modelsteward.cli.license import stack_licenses
from modelsteward.cli.state import get_state
from modelsteward.cli.vulns_common import (
    collect_packages,
    open_db,
    parse_today,
)
from modelsteward.errors import UsageError
from modelsteward.findings import Report
from modelsteward.report import OutputFormat, SummaryTable
from modelsteward.vulns import (
    RULES,
    VulnError,
    build_bom,
    match_packages,
)


def register_bom(app: typer.Typer) -> None:
    """Add ``bom``."""
    app.command("bom")(bom)


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
