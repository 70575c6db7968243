"""The one way results leave the CLI: render a document, write it, pick the exit code.

Free of Typer and Rich (the table renderer imports Rich only when it draws a table), so the
lean ``scan`` path shares it with the full CLI.
"""

from __future__ import annotations

import sys
from pathlib import Path

from modelsteward.errors import UsageError
from modelsteward.findings import Report, Severity
from modelsteward.report import Document, OutputFormat, SummaryTable, render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from modelsteward.inventory import Artifact


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
        raise UsageError(str(exc), hint=f"use --format {_choices(document)}") from exc
    write_text(text, output)


def write_text(text: str, output: Path | None) -> None:
    """Write ``text`` to stdout, or atomically to ``output``.

    Raises:
        UsageError: when ``output`` cannot be written.
    """
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    check_output_dir(output)
    try:
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        raise UsageError(
            f"cannot write {output}: {exc.strerror or exc}",
            hint="choose a writable --output path",
        ) from exc


def check_output_dir(output: Path) -> None:
    """Refuse an ``--output`` whose directory does not exist: a report never creates
    directories (a typo in the path would otherwise scatter them).

    Raises:
        UsageError: when the directory is missing or is not a directory.
    """
    parent = output.parent
    if not parent.is_dir():
        raise UsageError(
            f"cannot write {output}: the directory {parent} does not exist",
            hint="create the directory first, or choose another --output path",
        )


def _choices(document: Document) -> str:
    """The formats ``document`` can be written in, as a hint lists them."""
    names = ["table", "json", "sarif"]
    if document.markdown is not None:
        names.append("markdown")
    if document.cyclonedx is not None:
        names.append("cyclonedx")
    return ", ".join(names[:-1]) + " or " + names[-1]


def scan_document(
    report: Report, files: Sequence[Artifact], *, hashed: bool, sarif: bool
) -> Document:
    """The ``scan`` result, the same on the lean path and in the full CLI: with ``--hash``,
    a table of files, the JSON ``artifacts`` key and SARIF ``artifacts[].hashes``."""
    rules = {}
    if sarif:
        from modelsteward.scan import RULES

        rules = dict(RULES)
    if not hashed:
        return Document(command="scan", report=report, rules=rules)
    listed = [
        {"path": a.display, "kind": a.kind.value, "size": a.size, "sha256": a.sha256} for a in files
    ]
    roots = {a.display[: len(a.display) - len(a.relpath)] for a in files}
    root = (
        roots.pop()
        if len(roots) == 1 and all(a.display.endswith(a.relpath) for a in files)
        else None
    )
    table = SummaryTable(
        title=f"files ({len(listed)})" + (f" in {root.rstrip('/')}" if root else ""),
        columns=("path", "kind", "bytes", "sha256"),
        rows=tuple(
            (a.relpath if root else a.display, a.kind.value, str(a.size), a.sha256 or "-")
            for a in files
        ),
    )
    return Document(
        command="scan",
        report=report,
        rules=rules,
        sections={"artifacts": listed},
        summary=(table,),
    )


def exit_code(report: Report, fail_on: Severity, *, denied: bool = False) -> int:
    """1 when a policy denied or a finding reaches ``fail_on``, else 0."""
    return 1 if denied or report.at_least(fail_on) else 0
