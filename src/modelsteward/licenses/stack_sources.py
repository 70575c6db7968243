"""Where the stack's declared licenses are read from: an installed environment (a venv or a
site-packages folder, each distribution's ``METADATA`` and the license files in its
``.dist-info``) or a CycloneDX SBOM. Every read is bounded in size and file count."""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from modelsteward.findings import Skipped
from modelsteward.licenses.errors import LicenseError

_MAX_METADATA = 4 << 20
_MAX_LICENSE_FILE = 1 << 20
_MAX_FILES = 8
_NAME = re.compile(r"[-_.]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredMetadata:
    """What one installed distribution (or an SBOM entry) says about its license."""

    name: str
    version: str
    expression: str | None = None
    """PEP 639 ``License-Expression``, or an SBOM's expression."""
    license: str | None = None
    """The legacy ``License`` field (a name, an expression or a whole text)."""
    classifiers: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    """(file name, text) of the license files shipped in ``.dist-info``."""
    source: str = ""
    from_sbom: bool = False


def canonical(name: str) -> str:
    """The PEP 503 form of a distribution name."""
    return _NAME.sub("-", name).lower()


# --- reading ---------------------------------------------------------------------------------


def _site_dirs(path: Path) -> list[Path]:
    if any(path.glob("*.dist-info")) or any(path.glob("*.egg-info")):
        return [path]
    return sorted(path.glob("lib/python*/site-packages")) + sorted(path.glob("Lib/site-packages"))


def is_environment(path: Path) -> bool:
    """True for a virtual environment or a site-packages directory."""
    return path.is_dir() and bool(_site_dirs(path))


def _read(path: Path, limit: int) -> str | None:
    try:
        with path.open("rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return None


def read_environment(path: Path) -> tuple[list[DeclaredMetadata], list[Skipped]]:
    """The license metadata of every distribution installed in a venv or site-packages.

    Reads ``*.dist-info/METADATA`` (and ``*.egg-info/PKG-INFO``) headers and the license
    files next to them; imports nothing.
    """
    out: list[DeclaredMetadata] = []
    skipped: list[Skipped] = []
    parser = HeaderParser()
    for site in _site_dirs(path):
        metas = sorted(site.glob("*.dist-info/METADATA")) + sorted(site.glob("*.egg-info/PKG-INFO"))
        for meta in metas:
            text = _read(meta, _MAX_METADATA)
            if text is None:
                skipped.append(Skipped(str(meta), "unreadable"))
                continue
            headers = parser.parsestr(text)
            name, version = headers.get("Name"), headers.get("Version")
            if not name or not version:
                skipped.append(Skipped(str(meta), "no Name or Version header"))
                continue
            out.append(
                DeclaredMetadata(
                    name=name.strip(),
                    version=version.strip(),
                    expression=(headers.get("License-Expression") or "").strip() or None,
                    license=(headers.get("License") or "").strip() or None,
                    classifiers=tuple(
                        c.strip()
                        for c in headers.get_all("Classifier") or []
                        if c.strip().startswith("License ::")
                    ),
                    files=tuple(_license_files(meta.parent, headers.get_all("License-File") or [])),
                    source=str(path),
                )
            )
    return out, skipped


def _license_files(info_dir: Path, declared: list[str]) -> list[tuple[str, str]]:
    candidates: list[Path] = []
    for rel in declared[:_MAX_FILES]:
        rel = rel.strip()
        for base in (info_dir / "licenses", info_dir):
            if (base / rel).is_file():
                candidates.append(base / rel)
                break
    if not candidates:
        candidates = [
            p
            for p in sorted(info_dir.rglob("*"))[:64]
            if p.is_file() and re.search(r"licen[cs]e|copying", p.name, re.IGNORECASE)
        ][:_MAX_FILES]
    out: list[tuple[str, str]] = []
    for path in candidates:
        text = _read(path, _MAX_LICENSE_FILE)
        if text is not None and "\x00" not in text[:4096]:
            out.append((path.name, text))
    return out


def read_sbom(path: Path) -> tuple[list[DeclaredMetadata], list[Skipped]]:
    """The PyPI components of a CycloneDX JSON SBOM and the licenses it declares.

    Raises:
        LicenseError: when the file is not a CycloneDX JSON SBOM.
    """
    try:
        body = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise LicenseError(f"cannot read {path}: {exc}", hint="give a CycloneDX JSON SBOM") from exc
    if not isinstance(body, dict) or body.get("bomFormat") != "CycloneDX":
        raise LicenseError(
            f"{path} is not a CycloneDX JSON SBOM", hint="give a CycloneDX JSON SBOM"
        )
    out: list[DeclaredMetadata] = []
    skipped: list[Skipped] = []
    stack: deque[Any] = deque(body.get("components") or ())
    while stack:
        comp = stack.popleft()
        if not isinstance(comp, dict):
            continue
        stack.extend(comp.get("components") or ())
        purl = str(comp.get("purl") or "")
        if not purl.startswith("pkg:pypi/"):
            continue
        name = str(comp.get("name") or purl[9:].split("@", 1)[0])
        version = str(comp.get("version") or "")
        expressions: list[str] = []
        for entry in comp.get("licenses") or ():
            if not isinstance(entry, dict):
                continue
            if entry.get("expression"):
                expressions.append(str(entry["expression"]))
            lic = entry.get("license")
            if isinstance(lic, dict) and (lic.get("id") or lic.get("name")):
                expressions.append(str(lic.get("id") or lic.get("name")))
        joined = " AND ".join(f"({e})" if " " in e else e for e in expressions) or None
        out.append(
            DeclaredMetadata(
                name=name, version=version, expression=joined, source=str(path), from_sbom=True
            )
        )
    return out, skipped


# --- normalising -----------------------------------------------------------------------------
