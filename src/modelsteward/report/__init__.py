"""Output formats: every command's result rendered as a table, JSON or SARIF."""

from modelsteward.report.interface import Document, OutputFormat, SummaryTable, render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.report.formatter import Formatter as Formatter

__all__ = ["Document", "Formatter", "OutputFormat", "SummaryTable", "render"]


def __getattr__(name: str) -> object:
    if name == "Formatter":
        from modelsteward.report.formatter import Formatter

        return Formatter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
