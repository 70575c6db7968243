"""The Formatter seam (a typing Protocol, imported only by code that names it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from modelsteward.report.interface import Document


class Formatter(Protocol):
    """Turns a document into the text of one output format."""

    def render(self, document: Document) -> str:
        """Return the whole output, ending with a newline."""
        ...
