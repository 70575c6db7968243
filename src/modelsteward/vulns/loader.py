"""Read OSV records from an ``all.zip`` export, a tarball, or a directory of JSON/YAML files."""

from __future__ import annotations

import json
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.osv import Advisory, parse_advisory

_SUFFIXES = (".json", ".yaml", ".yml")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def iter_advisories(source: Path) -> Iterator[Advisory]:
    """Yield every OSV record found in ``source``.

    ``source`` is an OSV export zip (``all.zip``), a ``.tar.gz`` of records, or a directory
    holding records and/or ``all.zip`` files at any depth.

    Raises:
        VulnError: when ``source`` is missing, unreadable, or holds a malformed record.
    """
    if source.is_dir():
        yield from _iter_dir(source)
    elif source.is_file() and zipfile.is_zipfile(source):
        yield from _iter_zip(source)
    elif source.is_file() and tarfile.is_tarfile(source):
        yield from _iter_tar(source)
    elif source.is_file() and source.suffix in _SUFFIXES:
        yield _decode(source.read_bytes(), str(source))
    else:
        raise VulnError(
            f"not an advisory source: {source}",
            hint="give an OSV all.zip export, a .tar.gz or a directory of OSV JSON/YAML records",
        )


def _decode(data: bytes, origin: str) -> Advisory:
    try:
        if origin.endswith(".json"):
            record = json.loads(data)
        else:
            record = yaml.load(data, Loader=_Loader)  # noqa: S506 - a safe loader class
    except (ValueError, yaml.YAMLError) as exc:
        raise VulnError(
            f"cannot parse advisory {origin}: {exc}",
            hint="remove or fix the file; every record must be OSV JSON or YAML",
        ) from exc
    if not isinstance(record, dict):
        raise VulnError(f"advisory {origin} is not an object", hint="expected one OSV record")
    return parse_advisory(record, origin=origin)


def _iter_zip(path: Path) -> Iterator[Advisory]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(_SUFFIXES):
                    continue
                yield _decode(archive.read(info), f"{path}!{info.filename}")
    except (zipfile.BadZipFile, OSError) as exc:
        raise VulnError(f"cannot read {path}: {exc}", hint="download the export again") from exc


def _iter_tar(path: Path) -> Iterator[Advisory]:
    try:
        with tarfile.open(path) as archive:
            for member in archive:
                if not member.isfile() or not member.name.endswith(_SUFFIXES):
                    continue
                handle = archive.extractfile(member)
                hidden = any(part.startswith(".") for part in member.name.split("/"))
                if handle is not None and not hidden:
                    yield _decode(handle.read(), f"{path}!{member.name}")
    except (tarfile.TarError, OSError) as exc:
        raise VulnError(f"cannot read {path}: {exc}", hint="download the archive again") from exc


def _iter_dir(root: Path) -> Iterator[Advisory]:
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.name == "all.zip":
            yield from _iter_zip(path)
        elif path.suffix in _SUFFIXES:
            yield _decode(path.read_bytes(), str(path))
