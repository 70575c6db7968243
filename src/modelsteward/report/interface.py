"""The Formatter seam and the Document every command hands to it.

``Formatter`` lives in :mod:`modelsteward.report.formatter` and is importable from here; it
is loaded on first use, so that rendering a document never imports ``typing``.
"""

from __future__ import annotations

import enum

from modelsteward._records import Frozen, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelsteward.findings import Report, Rule
    from modelsteward.report.formatter import Formatter as Formatter


class OutputFormat(enum.StrEnum):
    """The closed set of output formats."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    CYCLONEDX = "cyclonedx"


class SummaryTable(Frozen, kw_only=True):
    """A command-specific table shown above the findings in table output."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Document(Frozen, kw_only=True):
    """What a command produced."""

    command: str
    """The command name (``scan``, ``license``...)."""
    report: Report
    sections: Mapping[str, object] = field(default_factory=dict)
    """Command-specific top-level JSON keys (``results``, ``packages``...), JSON-ready."""
    summary: tuple[SummaryTable, ...] = ()
    rules: Mapping[str, Rule] = field(default_factory=dict)
    """Metadata for the rule ids that may appear; used by SARIF."""
    markdown: str | None = None
    """A ready-made markdown page, for commands that offer one."""
    cyclonedx: str | None = None
    """A ready-made CycloneDX document, for commands that offer one."""
    denied: bool = False
    """True when a policy decision denied; the CLI then exits 1."""
    listed_rules: frozenset[str] = frozenset()
    """Rule ids whose findings the summary tables already show: the table format leaves
    them out of its findings table (JSON and SARIF keep every finding)."""


def __getattr__(name: str) -> object:
    if name == "Formatter":
        from modelsteward.report.formatter import Formatter as Formatter

        return Formatter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render(document: Document, fmt: OutputFormat, *, color: bool = False) -> str:
    """Render ``document`` in ``fmt``.

    Raises:
        ValueError: when the command offers no output in ``fmt``.
    """
    match fmt:
        case OutputFormat.TABLE:
            from modelsteward.report import text

            return text.TableFormatter(color=color).render(document)
        case OutputFormat.JSON:
            from modelsteward.report import json as json_fmt

            return json_fmt.JsonFormatter().render(document)
        case OutputFormat.SARIF:
            from modelsteward.report import sarif

            return sarif.SarifFormatter().render(document)
        case OutputFormat.MARKDOWN:
            if document.markdown is None:
                raise ValueError(f"{document.command} has no markdown output")
            return document.markdown
        case OutputFormat.CYCLONEDX:
            if document.cyclonedx is None:
                raise ValueError(f"{document.command} has no CycloneDX output")
            return document.cyclonedx
