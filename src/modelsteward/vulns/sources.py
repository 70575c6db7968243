"""Inventories: what is installed, read from the files that say so, importing nothing.

Supported: requirements files and ``pip freeze`` output, ``pyproject.toml``, ``uv.lock``,
``poetry.lock``, ``pdm.lock``, a virtual environment or ``site-packages`` directory, and a
CycloneDX JSON SBOM. :func:`read_inventory` detects the format.
"""

from __future__ import annotations

import enum
import json
import tomllib
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from packaging.requirements import InvalidRequirement, Requirement

from modelsteward.findings import Skipped
from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.package import Package
from modelsteward.vulns.requirements import pinned_version, read_requirements

_FORMATS_HINT = (
    "give a requirements file, pip freeze output, pyproject.toml, uv.lock, poetry.lock, "
    "pdm.lock, a venv or site-packages directory, or a CycloneDX JSON SBOM"
)


class InventoryFormat(enum.StrEnum):
    """The inventory formats :func:`read_inventory` understands."""

    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    LOCK = "lock"
    SITE_PACKAGES = "site-packages"
    CYCLONEDX = "cyclonedx"


@dataclass(frozen=True, slots=True)
class Inventory:
    """The packages read from one source, and the entries that could not be used."""

    packages: tuple[Package, ...]
    skipped: tuple[Skipped, ...] = ()
    format: InventoryFormat = InventoryFormat.REQUIREMENTS


def load_inventory(path: str | Path) -> list[Package]:
    """The pinned packages of the inventory at ``path`` (format detected).

    Raises:
        VulnError: when ``path`` is missing or in no supported format.
    """
    return list(read_inventory(path).packages)


def detect_format(path: Path) -> InventoryFormat:
    """Guess the inventory format of ``path`` from its name and content.

    Raises:
        VulnError: when ``path`` does not exist or looks like no supported format.
    """
    if path.is_dir():
        return InventoryFormat.SITE_PACKAGES
    if not path.is_file():
        raise VulnError(f"inventory not found: {path}", hint=_FORMATS_HINT)
    name = path.name.lower()
    if name == "pyproject.toml":
        return InventoryFormat.PYPROJECT
    if name.endswith(".lock"):
        return InventoryFormat.LOCK
    if name.endswith(".json"):
        return InventoryFormat.CYCLONEDX
    if name.endswith((".xml", ".spdx", ".toml", ".yaml", ".yml")):
        raise VulnError(f"unsupported inventory format: {path}", hint=_FORMATS_HINT)
    return InventoryFormat.REQUIREMENTS


def read_inventory(path: str | Path) -> Inventory:
    """Read the inventory at ``path`` with its skipped entries (format detected).

    Raises:
        VulnError: when ``path`` is missing, unreadable or in no supported format.
    """
    path = Path(path)
    fmt = detect_format(path)
    match fmt:
        case InventoryFormat.REQUIREMENTS:
            packages, skipped = read_requirements(path)
            return Inventory(tuple(packages), tuple(skipped), fmt)
        case InventoryFormat.PYPROJECT:
            return _pyproject(path)
        case InventoryFormat.LOCK:
            return _lock(path)
        case InventoryFormat.SITE_PACKAGES:
            return _site_packages(path)
        case InventoryFormat.CYCLONEDX:
            return _cyclonedx(path)


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise VulnError(f"cannot read {path}: {exc}", hint=_FORMATS_HINT) from exc


def _lock(path: Path) -> Inventory:
    """``uv.lock``, ``poetry.lock`` and ``pdm.lock`` all list ``[[package]]`` name/version."""
    body = _toml(path)
    items = body.get("package")
    if not isinstance(items, list):
        raise VulnError(f"{path} has no [[package]] entries", hint=_FORMATS_HINT)
    packages: list[Package] = []
    skipped: list[Skipped] = []
    for item in items:
        name, version = item.get("name"), item.get("version")
        source = item.get("source") or {}
        if not name:
            continue
        if not version or (
            isinstance(source, dict) and ("editable" in source or "virtual" in source)
        ):
            skipped.append(Skipped(str(path), f"{name} is a local project, not a release"))
            continue
        packages.append(Package(str(name), str(version), str(path)))
    return Inventory(tuple(packages), tuple(skipped), InventoryFormat.LOCK)


def _pyproject(path: Path) -> Inventory:
    body = _toml(path)
    lines: list[str] = []
    project = body.get("project") or {}
    lines.extend(project.get("dependencies") or ())
    for extra in (project.get("optional-dependencies") or {}).values():
        lines.extend(extra)
    for group in (body.get("dependency-groups") or {}).values():
        lines.extend(item for item in group if isinstance(item, str))
    poetry = (body.get("tool") or {}).get("poetry") or {}
    packages: list[Package] = []
    skipped: list[Skipped] = []
    for name, spec in (poetry.get("dependencies") or {}).items():
        if name.lower() == "python":
            continue
        version = spec.get("version") if isinstance(spec, dict) else spec
        if not isinstance(version, str):
            continue
        if version[:1].isdigit():
            lines.append(f"{name}=={version}")  # a bare Poetry version is an exact pin
        elif version.startswith(("==", "===")):
            lines.append(f"{name}{version}")
        else:
            skipped.append(Skipped(str(path), f"{name} is not pinned to one version"))
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            skipped.append(Skipped(str(path), f"not a PEP 508 requirement: {line!r}"))
            continue
        version = pinned_version(req)
        if version is None:
            skipped.append(Skipped(str(path), f"{req.name} is not pinned to one version"))
        else:
            packages.append(Package(req.name, version, str(path)))
    return Inventory(tuple(packages), tuple(skipped), InventoryFormat.PYPROJECT)


def _site_dirs(path: Path) -> list[Path]:
    if any(path.glob("*.dist-info")) or any(path.glob("*.egg-info")):
        return [path]
    found = sorted(path.glob("lib/python*/site-packages")) + sorted(path.glob("Lib/site-packages"))
    if not found:
        raise VulnError(
            f"{path} is neither a virtual environment nor a site-packages directory",
            hint=_FORMATS_HINT,
        )
    return found


def _site_packages(path: Path) -> Inventory:
    """Read ``*.dist-info/METADATA`` and ``*.egg-info/PKG-INFO`` headers; import nothing."""
    packages: list[Package] = []
    skipped: list[Skipped] = []
    parser = HeaderParser()
    for site in _site_dirs(path):
        metas = sorted(site.glob("*.dist-info/METADATA")) + sorted(site.glob("*.egg-info/PKG-INFO"))
        for meta in metas:
            try:
                headers = parser.parsestr(meta.read_text(encoding="utf-8", errors="replace"))
            except OSError as exc:
                skipped.append(Skipped(str(meta), f"unreadable: {exc}"))
                continue
            name, version = headers.get("Name"), headers.get("Version")
            if name and version:
                packages.append(Package(name.strip(), version.strip(), str(path)))
            else:
                skipped.append(Skipped(str(meta), "no Name or Version header"))
    return Inventory(tuple(packages), tuple(skipped), InventoryFormat.SITE_PACKAGES)


def _cyclonedx(path: Path) -> Inventory:
    try:
        body = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise VulnError(f"cannot read {path}: {exc}", hint=_FORMATS_HINT) from exc
    if not isinstance(body, dict) or body.get("bomFormat") != "CycloneDX":
        raise VulnError(f"{path} is not a CycloneDX JSON SBOM", hint=_FORMATS_HINT)
    packages: list[Package] = []
    skipped: list[Skipped] = []
    stack = list(body.get("components") or ())
    while stack:
        comp = stack.pop(0)
        stack.extend(comp.get("components") or ())
        purl = str(comp.get("purl") or "")
        if not purl.startswith("pkg:pypi/"):
            continue
        name = purl[len("pkg:pypi/") :].split("@", 1)[0].split("?", 1)[0]
        version = str(comp.get("version") or "") or (purl.split("@", 1)[1] if "@" in purl else "")
        version = unquote(version.split("?", 1)[0].split("#", 1)[0])
        if version:
            packages.append(Package(str(comp.get("name") or name), version, str(path)))
        else:
            skipped.append(Skipped(str(path), f"{name} has no version"))
    return Inventory(tuple(packages), tuple(skipped), InventoryFormat.CYCLONEDX)
