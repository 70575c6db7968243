"""The Formatter seam and the Document every command hands to it."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from modelsteward.findings import Report, Rule


class OutputFormat(enum.StrEnum):
    """The closed set of output formats."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    CYCLONEDX = "cyclonedx"


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryTable:
    """A command-specific table shown above the findings in table output."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
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


class Formatter(Protocol):
    """Turns a document into the text of one output format."""

    def render(self, document: Document) -> str:
        """Return the whole output, ending with a newline."""
        ...


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
