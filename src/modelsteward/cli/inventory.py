"""``modelsteward inventory``: what each model is made of, judged by content."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.state import get_state
from modelsteward.findings import Report, Rule, Severity
from modelsteward.inventory import walk_model
from modelsteward.report import SummaryTable

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            id="inventory.symlink.escape",
            summary="A symlink in the model points outside the model directory.",
            help="Replace the link with the file it should contain; it was not followed.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="inventory.hub.sha256-mismatch",
            summary="A file downloaded from the Hub differs from the sha256 the Hub lists.",
            help="Do not use the file; download it again, or report the repository.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="inventory.empty",
            summary="A model directory holds no files, so nothing about it can be verified.",
            help="Point at the directory that holds the model's files.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="inventory.special-file",
            summary="A FIFO, device or socket is part of the model.",
            help="Remove it: a model consists of regular files only. It was not opened.",
            severity=Severity.HIGH,
        ),
    )
}


def register(app: typer.Typer) -> None:
    """Add the ``inventory`` command."""

    @app.command("inventory")
    def inventory(
        ctx: typer.Context,
        paths: Annotated[list[Path], typer.Argument(help="Model directories or files.")],
        hash_files: Annotated[
            bool, typer.Option("--hash/--no-hash", help="Compute SHA-256 of every file.")
        ] = True,
    ) -> int:
        """List every file of each model with its kind (by content), size and SHA-256."""
        state = get_state(ctx)
        report = Report()
        files: list[dict[str, object]] = []
        rows: list[tuple[str, ...]] = []
        with state.progress_bar(len(paths), "inventory") as advance:
            for path in paths:
                inv = walk_model(path, hash_files=hash_files)
                report = report.merge(inv.report)
                for art in inv.artifacts:
                    files.append(
                        {
                            "path": art.display,
                            "relpath": art.relpath,
                            "kind": art.kind.value,
                            "size": art.size,
                            "sha256": art.sha256,
                        }
                    )
                    rows.append((art.display, art.kind.value, str(art.size), art.sha256 or "-"))
                advance(1)
        table = SummaryTable(
            title="inventory", columns=("file", "kind", "bytes", "sha256"), rows=tuple(rows)
        )
        return state.emit(
            "inventory", report, sections={"files": files}, summary=(table,), rules=RULES
        )
