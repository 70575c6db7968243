"""The Formatter seam and the Document every command hands to it.

``Formatter`` lives in :mod:`modelsteward.report.formatter` and is importable from here; it
is loaded on first use, so that rendering a document never imports ``typing``.
"""

from __future__ import annotations

import enum

from modelsteward._records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelsteward.findings import Report, Rule
    from modelsteward.report.formatter import Formatter as Formatter

_set = object.__setattr__
_NO_SECTIONS: Mapping[str, object] = {}
_NO_RULES: Mapping[str, Rule] = {}


class OutputFormat(enum.StrEnum):
    """The closed set of output formats."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    CYCLONEDX = "cyclonedx"


class SummaryTable(Frozen):
    """A command-specific table shown above the findings in table output."""

    _fields = ("title", "columns", "rows")
    __slots__ = _fields
    __match_args__ = ()

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __init__(
        self, *, title: str, columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]
    ) -> None:
        _set(self, "title", title)
        _set(self, "columns", columns)
        _set(self, "rows", rows)


class Document(Frozen):
    """What a command produced."""

    _fields = (
        "command", "report", "sections", "summary", "rules", "markdown", "cyclonedx", "denied"
    )  # fmt: skip
    __slots__ = _fields
    __match_args__ = ()

    command: str
    """The command name (``scan``, ``license``...)."""
    report: Report
    sections: Mapping[str, object]
    """Command-specific top-level JSON keys (``results``, ``packages``...), JSON-ready."""
    summary: tuple[SummaryTable, ...]
    rules: Mapping[str, Rule]
    """Metadata for the rule ids that may appear; used by SARIF."""
    markdown: str | None
    """A ready-made markdown page, for commands that offer one."""
    cyclonedx: str | None
    """A ready-made CycloneDX document, for commands that offer one."""
    denied: bool
    """True when a policy decision denied; the CLI then exits 1."""

    def __init__(
        self,
        *,
        command: str,
        report: Report,
        sections: Mapping[str, object] = _NO_SECTIONS,
        summary: tuple[SummaryTable, ...] = (),
        rules: Mapping[str, Rule] = _NO_RULES,
        markdown: str | None = None,
        cyclonedx: str | None = None,
        denied: bool = False,
    ) -> None:
        _set(self, "command", command)
        _set(self, "report", report)
        _set(self, "sections", {} if sections is _NO_SECTIONS else sections)
        _set(self, "summary", summary)
        _set(self, "rules", {} if rules is _NO_RULES else rules)
        _set(self, "markdown", markdown)
        _set(self, "cyclonedx", cyclonedx)
        _set(self, "denied", denied)


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
