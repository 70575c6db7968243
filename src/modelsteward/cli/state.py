"""What every command receives from the global options, and the one way results leave."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from modelsteward.config import Settings
from modelsteward.errors import UsageError
from modelsteward.findings import Report, Rule, Severity
from modelsteward.report import Document, OutputFormat, SummaryTable, render


@dataclass(slots=True, kw_only=True)
class CliState:
    """The global options, parsed once in ``main`` and handed to each command."""

    settings: Settings
    fmt: OutputFormat = OutputFormat.TABLE
    output: Path | None = None
    fail_on: Severity = Severity.HIGH
    progress: bool = True
    verbose: bool = False
    stderr: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))

    def log(self, message: str) -> None:
        """A line for humans on stderr."""
        self.stderr.print(message)

    @contextmanager
    def progress_bar(self, total: int, description: str) -> Iterator[Callable[[int], None]]:
        """Yield an ``advance(n)`` callback; a bar is drawn only when stderr is a terminal."""
        if not (self.progress and self.stderr.is_terminal and total > 1):
            yield lambda n: None
            return
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.stderr,
            transient=True,
        ) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n: bar.advance(task, n)

    def emit(
        self,
        command: str,
        report: Report,
        *,
        sections: Mapping[str, object] | None = None,
        summary: tuple[SummaryTable, ...] = (),
        rules: Mapping[str, Rule] | None = None,
        markdown: str | None = None,
        cyclonedx: str | None = None,
        denied: bool = False,
    ) -> int:
        """Render the result in the chosen format, write it, and return the exit code.

        Returns 1 when ``denied`` or when a finding reaches ``--fail-on``, else 0.

        Raises:
            UsageError: when the command has no output in the chosen format, or the output
                file cannot be written.
        """
        document = Document(
            command=command,
            report=report,
            sections=sections or {},
            summary=summary,
            rules=rules or {},
            markdown=markdown,
            cyclonedx=cyclonedx,
            denied=denied,
        )
        color = self.output is None and sys.stdout.isatty()
        try:
            text = render(document, self.fmt, color=color)
        except ValueError as exc:
            raise UsageError(str(exc), hint="use --format table, json or sarif") from exc
        if self.output is None:
            typer.echo(text, nl=False)
        else:
            try:
                self.output.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.output.with_name(self.output.name + ".tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(self.output)
            except OSError as exc:
                raise UsageError(
                    f"cannot write {self.output}: {exc.strerror or exc}",
                    hint="choose a writable --output path",
                ) from exc
        if denied or report.at_least(self.fail_on):
            return 1
        return 0


def get_state(ctx: typer.Context) -> CliState:
    """The state ``main`` stored on the root context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj
