"""The optional checks are found by module path and attribute name, so that a build without
an extra skips them; every name they look up must exist in a full install, or a moved
function would silently turn a check off."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import modelsteward.vet.checks as checks


def _lookups() -> list[tuple[str, str]]:
    tree = ast.parse(Path(checks.__file__).read_text(encoding="utf-8"))
    constants: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            constants[node.targets[0].id] = node.value.value
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_attr":
            module, name = node.args
            if isinstance(module, ast.Constant):
                mod = str(module.value)
            else:
                assert isinstance(module, ast.Name)
                mod = constants[module.id]
            assert isinstance(name, ast.Constant)
            found.append((mod, str(name.value)))
    return found


def test_every_optional_lookup_names_something_that_exists() -> None:
    lookups = _lookups()
    assert ("modelsteward.licenses.stack_sources", "read_sbom") in lookups
    missing = [
        f"{module}.{name}"
        for module, name in lookups
        if getattr(importlib.import_module(module), name, None) is None
    ]
    assert not missing, f"vet/checks.py looks up names that do not exist: {missing}"
