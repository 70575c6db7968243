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

    Unreadable or malformed files count as present, so that the full loader reports them;
    a ``pyproject.toml`` is parsed only when a line of it may name the table (see
    :func:`may_name_table`).
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
    if not may_name_table(raw):
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


def may_name_table(raw: bytes) -> bool:
    """False only when no line of the TOML text ``raw`` can put a ``modelsteward`` key
    under a top-level ``tool`` key, so that the common ``pyproject.toml`` which merely
    mentions the package (as its name, a dependency or a script) is not parsed.

    A key path lies on one line: a ``[tool.modelsteward]`` header (any spacing or quoting),
    a dotted ``tool.modelsteward.x = ...`` key, a ``[tool]`` header (whose keys follow), a
    ``tool = {...}`` inline table; a header or key with an escape sequence could spell either
    name, so it counts too. This errs towards True, and the caller then parses.
    """
    if PYPROJECT_TABLE[1].encode() not in raw:
        return False
    for line in raw.splitlines():
        key = line.strip()
        if not key or key[:1] == b"#":
            continue
        if b"\\" in key and (key[:1] in b"[\"'" or key.startswith(b"tool")):
            return True
        key = key.translate(None, b" \t\"'")
        if b"tool.modelsteward" in key or key.startswith((b"[tool]", b"[[tool]]", b"tool=")):
            return True
    return False
