"""The explicit list of commands: each module exposes ``register(app)``."""

from __future__ import annotations

from collections.abc import Callable

import typer

from modelsteward.cli import demo

REGISTRARS: tuple[Callable[[typer.Typer], None], ...] = (demo.register,)
