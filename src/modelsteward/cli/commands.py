"""The explicit list of command areas. Each area module exposes ``register(app)`` and
``DEMO_SECTIONS``; an area is imported only when one of its commands runs (or for ``--help``
and the demo), so that starting the CLI stays fast."""

from __future__ import annotations

import importlib
from types import ModuleType

AREA_NAMES: tuple[str, ...] = (
    "scan",
    "license",
    "vulns",
    "guard",
    "vet",
    "evaluate",
    "registry",
    "serve",
    "select",
    "contrib",
    "web",
)
"""Area modules under ``modelsteward.cli``, in the order their demo sections run."""

COMMAND_AREAS: dict[str, str] = {
    "scan": "scan",
    "license": "license",
    "vulns": "vulns",
    "db": "vulns",
    "sla": "vulns",
    "bom": "vulns",
    "guard": "guard",
    "vet": "vet",
    "revet": "vet",
    "policy": "vet",
    "evaluate": "evaluate",
    "registry": "registry",
    "serve": "serve",
    "keys": "serve",
    "select": "select",
    "contrib": "contrib",
    "web": "web",
}
"""Which area registers each top-level command."""


def load_area(name: str) -> ModuleType:
    """Import one area module by its name in ``AREA_NAMES``.

    Raises:
        KeyError: when ``name`` is not an area.
    """
    if name not in AREA_NAMES:
        raise KeyError(name)
    return importlib.import_module(f"modelsteward.cli.{name}")


def areas_for(command: str | None) -> tuple[ModuleType, ...]:
    """The areas to register for ``command``: its own area, or all of them when the command
    is unknown here (help, typos, the demo)."""
    area = COMMAND_AREAS.get(command or "")
    if area is not None:
        return (load_area(area),)
    if command in ("inventory", "--version"):
        return ()
    return tuple(load_area(name) for name in AREA_NAMES)
