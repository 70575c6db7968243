"""The JSON Report contract (see ARCHITECTURE.md and ``schemas/report.schema.json``)."""

from __future__ import annotations

import json

from modelsteward._version import VERSION
from modelsteward.report.interface import Document


def document_to_dict(document: Document) -> dict[str, object]:
    """The JSON-ready object: tool, findings, errors, skipped, then the command's sections."""
    out: dict[str, object] = {"tool": {"name": "modelsteward", "version": VERSION}}
    out.update(document.report.to_dict())
    for key, value in document.sections.items():
        if key in out:
            raise ValueError(f"section {key!r} would overwrite a Report field")
        out[key] = value
    return out


class JsonFormatter:
    """Renders the Report contract as indented JSON."""

    def render(self, document: Document) -> str:
        """Return the JSON text."""
        return json.dumps(document_to_dict(document), indent=2, ensure_ascii=False) + "\n"
