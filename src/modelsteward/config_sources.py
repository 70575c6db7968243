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


_INERT = frozenset(
    {
        "DATA_DIR",
        "REGISTRY",
        "ACTOR",
        "TOKEN",
        "ADVISORY_DB",
        "API_KEY",
        "REDIS_URL",
        "HUB_ENDPOINT",
    }
)
"""Settings that hold any string and that ``scan`` does not read."""
_SCAN_INTS = frozenset(
    {"MAX_FILE_BYTES", "MAX_PICKLE_BYTES", "MAX_PICKLE_OPS", "MAX_ARCHIVE_MEMBERS",
     "MAX_UNPACKED_BYTES"}
)  # fmt: skip
_SCAN_FLOATS = frozenset({"MAX_ARCHIVE_RATIO", "TIMEOUT_S"})
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
_SEVERITIES = ("info", "low", "medium", "high", "critical")


def scan_environment() -> dict[str, object] | None:
    """The ``MODELSTEWARD_*`` variables as the ``scan`` settings they set, read without
    pydantic: ``{"fail_on": "critical", "scan": {"max_file_bytes": 10}}`` (empty when none
    is set). None when a variable needs the full loader: a value that is not plainly valid
    (the full loader then reports it), a key in another case, or a name it would not ignore.
    Variables for other commands (the registry, the gateway key...) take any text and are
    skipped."""
    found: dict[str, object] = {}
    scan: dict[str, object] = {}
    for key, value in os.environ.items():
        if not key.upper().startswith(ENV_PREFIX):
            continue
        if not key.startswith(ENV_PREFIX):
            return None
        name = key[len(ENV_PREFIX) :]
        if name in _INERT:
            continue
        if name == "OFFLINE":
            if value.strip().lower() not in _TRUE | _FALSE:
                return None
        elif name == "FAIL_ON":
            if value.lower() not in _SEVERITIES:
                return None
            found["fail_on"] = value.lower()
        elif name.startswith("SCAN__"):
            field = name[len("SCAN__") :]
            parsed = _scan_value(field, value)
            if parsed is None:
                return None
            scan[field.lower()] = parsed
        else:
            return None
    if scan:
        found["scan"] = scan
    return found


def _scan_value(field: str, value: str) -> object | None:
    text = value.strip()
    if field in _SCAN_INTS:
        return int(text) if text.isascii() and text.isdigit() else None
    if field in _SCAN_FLOATS:
        try:
            number = float(text)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None
    if field == "ALLOW_GLOBALS":
        import json

        try:
            items = json.loads(text)
        except ValueError:
            return None
        if isinstance(items, list) and all(isinstance(i, str) for i in items):
            return items
    return None


def file_source_present(cwd: Path | None = None) -> bool:
    """True when ``modelsteward.toml`` or a ``[tool.modelsteward]`` table may be present."""
    where = cwd or Path.cwd()
    if (where / TOML_FILE).exists():
        return True
    return _pyproject_names_table(where / "pyproject.toml")


def any_source_present(cwd: Path | None = None) -> bool:
    """True when any settings source exists besides the defaults.

    Unreadable or malformed files count as present, so that the full loader reports them;
    a ``pyproject.toml`` is parsed only when a line of it may name the table (see
    :func:`may_name_table`).
    """
    if any(key.startswith(ENV_PREFIX) for key in os.environ):
        return True
    return file_source_present(cwd)


def _pyproject_names_table(pyproject: Path) -> bool:
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
