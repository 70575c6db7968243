"""Output formats: every command's result rendered as a table, JSON or SARIF."""

from modelsteward.report.interface import Document, Formatter, OutputFormat, SummaryTable, render

__all__ = ["Document", "Formatter", "OutputFormat", "SummaryTable", "render"]
