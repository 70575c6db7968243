"""What each ``modelsteward demo`` section receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console

from modelsteward.cli.state import CliState

if TYPE_CHECKING:
    from modelsteward.demo import DemoWorkspace


@dataclass(frozen=True, slots=True)
class DemoContext:
    """What each demo section gets."""

    workspace: DemoWorkspace
    console: Console
    state: CliState


Section = Callable[[DemoContext], None]
