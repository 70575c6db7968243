"""Read OSV records from an ``all.zip`` export, a tarball, or a directory of JSON/YAML files.

Archives are decompressed as a stream, one record at a time, under two bounds: no record
may inflate to more than :data:`MAX_RECORD_BYTES` and one source no more than
:data:`MAX_TOTAL_BYTES` in all (OSV's whole PyPI export is about 150 MB inflated, its
largest record a few MB), so a hostile archive ends in a clean error, not in exhausted
memory. A corrupt archive is a :class:`VulnError` too, never a traceback.
"""

from __future__ import annotations

import json
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import yaml

from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.osv import Advisory, parse_advisory

_SUFFIXES = (".json", ".yaml", ".yml")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_RECORD_BYTES = 32 << 20
"""The most one record may inflate to."""
MAX_TOTAL_BYTES = 4 << 30
"""The most one source may inflate to in all."""
ARCHIVE_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError,
            NotImplementedError, RuntimeError)  # fmt: skip
"""What a damaged or unsupported archive raises while it is read (RuntimeError: encrypted
zip members; NotImplementedError: an unknown compression method)."""


class _Budget:
    """Inflated bytes still allowed for one source."""

    def __init__(self, source: Path, per_record: int, total: int) -> None:
        self.source = source
        self.per_record = per_record
        self.left = total
        self.total = total

    def read(self, handle: IO[bytes], origin: str) -> bytes:
        """The whole member, refused as soon as it passes a bound (never inflated further)."""
        data = handle.read(self.per_record + 1)
        if len(data) > self.per_record:
            raise VulnError(
                f"{origin} inflates to more than {self.per_record >> 20} MiB; "
                "no OSV record is that large",
                hint="the archive is damaged or hostile: download the export again",
            )
        self.left -= len(data)
        if self.left < 0:
            raise VulnError(
                f"{self.source} inflates to more than {self.total >> 20} MiB in all",
                hint="the archive is damaged or hostile: download the export again",
            )
        return data


def iter_advisories(
    source: Path,
    *,
    max_record_bytes: int = MAX_RECORD_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> Iterator[Advisory]:
    """Yield every OSV record found in ``source``.

    ``source`` is an OSV export zip (``all.zip``), a ``.tar.gz`` of records, or a directory
    holding records and/or ``all.zip`` files at any depth.

    Raises:
        VulnError: when ``source`` is missing, unreadable, corrupt, inflates past the bounds,
            or holds a malformed record.
    """
    budget = _Budget(source, max_record_bytes, max_total_bytes)
    if source.is_dir():
        yield from _iter_dir(source, budget)
    elif source.is_file() and zipfile.is_zipfile(source):
        yield from _iter_zip(source, budget)
    elif source.is_file() and _is_tar(source):
        yield from _iter_tar(source, budget)
    elif source.is_file() and source.suffix in _SUFFIXES:
        yield _decode(_read_file(source, budget), str(source))
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


def _corrupt(path: Path, exc: BaseException) -> VulnError:
    detail = str(exc) or type(exc).__name__
    return VulnError(
        f"cannot read {path}: the archive is corrupt ({detail})",
        hint="download the export again (modelsteward db update) or give another --from",
    )


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except ARCHIVE_ERRORS:
        return False


def _iter_zip(path: Path, budget: _Budget) -> Iterator[Advisory]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(_SUFFIXES):
                    continue
                origin = f"{path}!{info.filename}"
                with archive.open(info) as handle:
                    data = budget.read(handle, origin)
                yield _decode(data, origin)
    except ARCHIVE_ERRORS as exc:
        raise _corrupt(path, exc) from exc


def _iter_tar(path: Path, budget: _Budget) -> Iterator[Advisory]:
    try:
        with tarfile.open(path) as archive:
            for member in archive:
                if not member.isfile() or not member.name.endswith(_SUFFIXES):
                    continue
                handle = archive.extractfile(member)
                hidden = any(part.startswith(".") for part in member.name.split("/"))
                if handle is not None and not hidden:
                    origin = f"{path}!{member.name}"
                    yield _decode(budget.read(handle, origin), origin)
    except ARCHIVE_ERRORS as exc:
        raise _corrupt(path, exc) from exc


def _read_file(path: Path, budget: _Budget) -> bytes:
    try:
        with path.open("rb") as handle:
            return budget.read(handle, str(path))
    except OSError as exc:
        raise VulnError(f"cannot read {path}: {exc.strerror}", hint="check the path") from exc


def _iter_dir(root: Path, budget: _Budget) -> Iterator[Advisory]:
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.name == "all.zip":
            yield from _iter_zip(path, budget)
        elif path.suffix in _SUFFIXES:
            yield _decode(_read_file(path, budget), str(path))
