"""Human-readable tables, rendered with rich (imported only when there is a table to draw)."""

from __future__ import annotations

import io

from modelsteward.findings import Severity
from modelsteward.report.interface import Document

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


class TableFormatter:
    """Summary tables, then findings, errors and skipped items."""

    def __init__(self, *, color: bool = False, width: int = 120) -> None:
        self._color = color
        self._width = width

    def render(self, document: Document) -> str:
        """Return the rendered text."""
        report = document.report.sorted()
        shown = tuple(f for f in report.findings if f.rule_id not in document.listed_rules)
        if not (document.summary or report.findings or report.errors or report.skipped):
            return f"{document.command}: no findings\n"
        from rich.console import Console
        from rich.table import Table

        buf = io.StringIO()
        console = Console(
            file=buf,
            width=self._width,
            force_terminal=self._color,
            no_color=not self._color,
            highlight=False,
            soft_wrap=False,
        )
        for summary in document.summary:
            table = Table(title=summary.title, title_justify="left")
            for column in summary.columns:
                table.add_column(column, overflow="fold")
            for row in summary.rows:
                table.add_row(*row)
            console.print(table)
        if shown:
            table = Table(title=f"{document.command}: findings", title_justify="left")
            for column in ("severity", "rule", "location", "message", "evidence"):
                table.add_column(column, overflow="fold")
            for f in shown:
                table.add_row(
                    f"[{_STYLE[f.severity]}]{f.severity.label}[/]",
                    f.rule_id,
                    f.location.describe(),
                    f.message,
                    f.evidence[:200],
                )
            console.print(table)
        elif not document.summary:
            console.print(f"{document.command}: no findings")
        for err in report.errors:
            console.print(f"[red]error[/] {err.path}: {err.message}")
        for skip in report.skipped:
            console.print(f"[dim]skipped[/] {skip.path}: {skip.reason}")
        return buf.getvalue()
