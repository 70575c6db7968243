"""The ``guard``-area commands."""

from __future__ import annotations

import typer

from modelsteward.cli.demo_context import Section

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = ()
"""Sections this area adds to ``modelsteward demo``, in order."""


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
