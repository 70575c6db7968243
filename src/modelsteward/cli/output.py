"""The one way results leave the CLI: render a document, write it, pick the exit code.

Free of Typer and Rich (the table renderer imports Rich only when it draws a table), so the
lean ``scan`` path shares it with the full CLI.
"""

from __future__ import annotations

import sys
from pathlib import Path

from modelsteward.errors import UsageError
from modelsteward.findings import Report, Severity
from modelsteward.report import Document, OutputFormat, render


def write_document(document: Document, fmt: OutputFormat, output: Path | None) -> None:
    """Render ``document`` in ``fmt`` to stdout, or atomically to ``output``.

    Raises:
        UsageError: when the command has no output in ``fmt``, or ``output`` cannot be
            written.
    """
    color = output is None and sys.stdout.isatty()
    try:
        text = render(document, fmt, color=color)
    except ValueError as exc:
        raise UsageError(str(exc), hint="use --format table, json or sarif") from exc
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        raise UsageError(
            f"cannot write {output}: {exc.strerror or exc}",
            hint="choose a writable --output path",
        ) from exc


def exit_code(report: Report, fail_on: Severity, *, denied: bool = False) -> int:
    """1 when a policy denied or a finding reaches ``fail_on``, else 0."""
    return 1 if denied or report.at_least(fail_on) else 0
