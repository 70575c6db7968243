"""What every command receives from the global options, and the one way results leave."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from modelsteward.cli.output import exit_code, write_document
from modelsteward.config import Settings
from modelsteward.findings import Report, Rule, Severity
from modelsteward.report import Document, OutputFormat, SummaryTable


@dataclass(slots=True, kw_only=True)
class CliState:
    """The global options, parsed once in ``main`` and handed to each command."""

    settings: Settings
    fmt: OutputFormat = OutputFormat.TABLE
    output: Path | None = None
    fail_on: Severity = Severity.HIGH
    fail_on_set: bool = False
    """``fail_on`` was chosen (``--fail-on`` or a setting), not left at its default."""
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
        listed_rules: frozenset[str] = frozenset(),
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
            listed_rules=listed_rules,
        )
        write_document(document, self.fmt, self.output)
        return exit_code(report, self.fail_on, denied=denied)


def get_state(ctx: typer.Context) -> CliState:
    """The state ``main`` stored on the root context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj
