"""Help that reads like a manual: value names instead of Python types, choices listed.

Typer shows a parameter's Python annotation (``<list[Path]>``, ``<str>``) where a value name
belongs. Before a command runs, every option without an explicit ``metavar`` gets one
derived from its type (``PATH``, ``N``, ``NUMBER``, ``TEXT``, or ``[a|b|c]`` for a choice),
and every argument is shown by its name alone (``PATHS``).
"""

from __future__ import annotations

from typing import Any

import typer

_NAMES = {"path": "PATH", "int": "N", "float": "NUMBER", "str": "TEXT", "datetime": "DATE"}


def tidy(command: Any) -> Any:
    """Set value names on ``command`` and its subcommands, in place; return it."""
    ctx = typer.Context(command)
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument":
            if param.metavar is None:
                param.metavar = param.name.upper()
            param.display_type_rich = _no_type  # the name says it; no Python type
        elif param.metavar is None and not getattr(param, "is_flag", False):
            param.metavar = _value_name(str(param.display_type(ctx)), param.name)
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
    return command


def _no_type(ctx: object) -> None:
    return None


def _value_name(shown: str, name: str) -> str:
    label = shown.strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    if "|" in label:
        return "[" + label + "]"
    if label.endswith(" range"):
        label = label.removesuffix(" range")
    if label == "float" and name.endswith("_s"):
        return "SECONDS"
    return _NAMES.get(label.lower(), label.upper() or "VALUE")
