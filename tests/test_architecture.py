"""The import directions of STYLE.md, enforced by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "modelsteward"

BASE = {"_version", "_records", "findings", "errors"}
CHECKS = {"scan", "licenses", "vulns", "safety"}
# What each top-level part may import from modelsteward, besides itself.
ALLOWED: dict[str, set[str]] = {
    "_version": set(),
    "_records": set(),
    "findings": {"_records"},
    "errors": set(),
    "config_sources": set(),
    "config": BASE | {"config_sources"},
    "inventory": BASE,
    **{check: BASE | {"inventory"} for check in CHECKS},
    "engines": BASE,
    "demo": BASE | {"inventory"},
    "schemas": set(),
    "vet": BASE | {"inventory"} | CHECKS,
    "passport": BASE | {"inventory", "vet"} | CHECKS,
    "policy": BASE | {"inventory", "vet", "passport"} | CHECKS,
    "report": BASE | {"policy"},
    "registry": BASE | {"inventory", "vet", "passport", "policy"} | CHECKS,
    "selection": BASE,
    # the patch checks reuse the safety detectors and license identification, and read
    # the policy's contribution guidelines
    "contrib": BASE | {"inventory", "vet", "passport", "policy"} | CHECKS,
    "services": BASE
    | {"inventory", "vet", "passport", "policy", "registry", "selection", "contrib", "engines"}
    | CHECKS,
}
# The edges may import anything; the gateway and the web app never import the CLI or
# each other (the CLI starts both).
EDGES = {"cli": set(), "gateway": {"cli", "web"}, "web": {"cli", "gateway"}}


def _part(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imported_parts(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "modelsteward":
                names = [f"modelsteward.{a.name}" for a in node.names]
        for name in names:
            pieces = name.split(".")
            if pieces[0] == "modelsteward" and len(pieces) > 1:
                parts.add(pieces[1])
    return parts


MODULES = sorted(
    p for p in SRC.rglob("*.py") if p.name != "__main__.py" and p != SRC / "__init__.py"
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_downward(path: Path) -> None:
    part = _part(path)
    imported = _imported_parts(path) - {part}
    if part in EDGES:
        assert not imported & EDGES[part], f"{part} must not import {imported & EDGES[part]}"
        return
    assert part in ALLOWED, f"new top-level part {part!r}: add it to the layering table"
    illegal = imported - ALLOWED[part]
    assert not illegal, f"{path.relative_to(SRC)} imports {sorted(illegal)}"


def test_checks_never_import_each_other_or_the_edges() -> None:
    for check in CHECKS:
        assert not ALLOWED[check] & (CHECKS | {"config", "registry", "cli", "gateway"})


def test_only_config_reads_the_environment() -> None:
    offenders = []
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        if ("os.environ" in text or "os.getenv" in text or "getenv(" in text) and path not in (
            SRC / "config.py",
            SRC / "config_sources.py",
        ):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def test_layering_test_catches_a_bad_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from modelsteward.registry import service\nimport modelsteward.cli.main\n")
    assert _imported_parts(bad) == {"registry", "cli"}
