"""``modelsteward demo``: the whole story on embedded defaults, then exit 0."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from modelsteward.cli import commands
from modelsteward.cli.demo_context import DemoContext, Section
from modelsteward.cli.state import get_state
from modelsteward.inventory import walk_model


def _inventory_section(ctx: DemoContext) -> None:
    table = Table(title="1. Inventory: what each model is made of", title_justify="left")
    for column in ("model", "file", "kind (by content)", "bytes", "sha256"):
        table.add_column(column)
    for model in ctx.workspace.models:
        inv = walk_model(model)
        for art in inv.artifacts:
            table.add_row(
                model.name,
                art.relpath,
                art.kind.value,
                str(art.size),
                art.sha256[:12] if art.sha256 else "-",
            )
    ctx.console.print(table)


def _sections() -> tuple[tuple[str, Section], ...]:
    sections: list[tuple[str, Section]] = [("inventory", _inventory_section)]
    for module in commands.areas_for(None):
        sections.extend(module.DEMO_SECTIONS)
    return tuple(sections)


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        workspace: Annotated[
            Path, typer.Option(help="Where to build the demo models (rebuilt each run).")
        ] = Path("demo-workspace"),
    ) -> int:
        """Build demo models by code, run every check on them, print a summary."""
        state = get_state(ctx)
        started = time.perf_counter()
        if workspace.exists():
            shutil.rmtree(workspace)
        from modelsteward.demo import build_workspace  # numpy, safetensors, gguf

        ws = build_workspace(workspace)
        console = Console(highlight=False, width=140)
        console.print(f"[bold]modelsteward demo[/] workspace: {ws.root}")
        context = DemoContext(ws, console, state)
        for _name, section in _sections():
            section(context)
        console.print(f"demo finished in {time.perf_counter() - started:.1f}s")
        return 0
