"""The guard demo section: an injection hidden in a pasted document, and a PII-heavy prompt."""

from __future__ import annotations

from typing import Any, cast

from rich.console import Console

from modelsteward.cli import guard
from modelsteward.cli.demo_context import DemoContext


def test_demo_section_blocks_the_injection_and_redacts_the_pii() -> None:
    console = Console(record=True, width=200)
    ctx = DemoContext(workspace=cast(Any, None), console=console, state=cast(Any, None))
    ((name, section),) = guard.DEMO_SECTIONS
    section(ctx)
    out = console.export_text()
    assert name == "Safety layer"
    assert "action: block" in out and "safety.guard.prompt-injection" in out
    assert "action: redact" in out
    for placeholder in (
        "<EMAIL_ADDRESS>",
        "<PHONE_NUMBER>",
        "<CREDIT_CARD>",
        "<IBAN_CODE>",
        "<US_SSN>",
    ):
        assert placeholder in out
    assert "maria.rossi@example.com" not in out
