"""Where settings come from, and a cheap test for whether any source is present.

``config`` builds and validates the settings from these sources with pydantic; this module
only names them, so that a command which needs nothing but the defaults can tell, without
importing pydantic, that there is nothing to read.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_PREFIX = "MODELSTEWARD_"
"""Environment variables read as settings (nested fields use ``__``)."""
TOML_FILE = "modelsteward.toml"
"""The settings file read from the working directory."""
PYPROJECT_TABLE = ("tool", "modelsteward")
"""The table of ``pyproject.toml`` in the working directory read as settings."""


def any_source_present(cwd: Path | None = None) -> bool:
    """True when any settings source exists besides the defaults.

    Unreadable or malformed files count as present, so that the full loader reports them.
    """
    if any(key.startswith(ENV_PREFIX) for key in os.environ):
        return True
    where = cwd or Path.cwd()
    if (where / TOML_FILE).exists():
        return True
    pyproject = where / "pyproject.toml"
    try:
        raw = pyproject.read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    if PYPROJECT_TABLE[1].encode() not in raw:
        return False
    import tomllib

    try:
        table: object = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    for key in PYPROJECT_TABLE:
        if not isinstance(table, dict):
            return True
        if key not in table:
            return False
        table = table[key]
    return True
