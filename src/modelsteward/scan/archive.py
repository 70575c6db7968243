"""Zip (PyTorch, npz, .keras), tar (legacy torch) and single-stream compressed files (joblib).

Members are read the way torch's reader reads them (central directory first), inflated into
a private temporary directory under the scan's size and ratio limits, and handed to the
scanner of their format. Archive-level tricks are findings of their own.
"""

from __future__ import annotations

import lzma
import mmap
import re
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from modelsteward.findings import Finding, Severity
from modelsteward.inventory import COMPRESSED_KINDS, Artifact, ArtifactKind, classify_bytes
from modelsteward.scan.archive_members import MemberScan, dispatch_file, scan_window
from modelsteward.scan.interface import ScanOptions
from modelsteward.scan.torch import STORAGE_MEMBER, is_torch_zip, is_torchscript
from modelsteward.scan.unpack import (
    BombError,
    Budget,
    CodecMissing,
    copy_bounded,
    decompress_file,
    raw_deflate,
    stream_chunks,
)
from modelsteward.scan.zipdir import Directory, Member, ZipFormatError, read_directory

_ARCHIVE_KINDS = frozenset({ArtifactKind.ZIP, ArtifactKind.TAR}) | COMPRESSED_KINDS
_HEAD = 4096
_TAIL = 65_557


class ArchiveScanner:
    """Zip, tar and compressed files, and everything inside them."""

    name = "archive"

    def handles(self, artifact: Artifact) -> bool:
        """Archives and compressed streams by content."""
        return artifact.kind in _ARCHIVE_KINDS

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Check the container, then scan each member by its format."""
        with tempfile.TemporaryDirectory(prefix="modelsteward-scan-") as tmp:
            ctx = MemberScan(
                artifact=artifact,
                options=options,
                budget=Budget(options.max_unpacked_bytes, options.max_archive_ratio),
                tmpdir=Path(tmp),
                nested=scan_container,
            )
            yield from scan_container(ctx, artifact.path, artifact.kind, "")


def scan_container(ctx: MemberScan, path: Path, kind: ArtifactKind, prefix: str) -> list[Finding]:
    """Findings of the container at ``path`` (members are labelled ``prefix`` + name)."""
    if kind is ArtifactKind.ZIP:
        return _scan_zip(ctx, path, prefix)
    if kind is ArtifactKind.TAR:
        return _scan_tar(ctx, path, prefix)
    return _scan_compressed(ctx, path, kind, prefix)


def _finding(
    ctx: MemberScan,
    rule: str,
    severity: Severity,
    message: str,
    member: str | None,
    offset: int | None = None,
    evidence: str = "",
) -> Finding:
    return Finding(
        rule_id=rule,
        severity=severity,
        message=message,
        location=ctx.artifact.location(member=member or None, offset=offset),
        evidence=evidence,
    )


# -- zip -----------------------------------------------------------------------------------
def _scan_zip(ctx: MemberScan, path: Path, prefix: str) -> list[Finding]:
    out: list[Finding] = []
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return out
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            try:
                directory = read_directory(buf, size, ctx.options.max_archive_members)
            except ZipFormatError as exc:
                rule = "scan.archive.bomb" if "limit" in str(exc) else "scan.zip.malformed"
                out.append(
                    _finding(
                        ctx,
                        rule,
                        Severity.HIGH,
                        f"The zip cannot be read: {exc}.",
                        prefix.rstrip("!") or None,
                        exc.offset,
                        str(exc),
                    )
                )
                return out
            out.extend(_zip_structure(ctx, directory, size, prefix))
            names = [m.name for m in directory.members]
            torch = is_torch_zip(names)
            if is_torchscript(names):
                out.append(
                    _finding(
                        ctx,
                        "scan.torch.torchscript",
                        Severity.MEDIUM,
                        "The checkpoint is a TorchScript archive: torch.jit.load compiles "
                        "and runs the code it carries.",
                        prefix.rstrip("!") or None,
                        evidence="code/",
                    )
                )
            for member in directory.members:
                if member.name.endswith("/") or (torch and STORAGE_MEMBER.search(member.name)):
                    continue
                out.extend(_zip_member(ctx, buf, member, prefix))
    return out


def _zip_structure(ctx: MemberScan, directory: Directory, size: int, prefix: str) -> list[Finding]:
    out: list[Finding] = []
    label = prefix.rstrip("!") or None
    for message, offset in directory.problems:
        out.append(
            _finding(
                ctx,
                "scan.zip.inconsistent-header",
                Severity.HIGH,
                f"The zip's structure is inconsistent: {message}.",
                label,
                offset,
                message,
            )
        )
    seen: set[str] = set()
    declared = 0
    for m in directory.members:
        where = prefix + m.name
        for problem in m.problems:
            out.append(
                _finding(
                    ctx,
                    "scan.zip.inconsistent-header",
                    Severity.HIGH,
                    f"Member {m.name!r}: {problem}; zipfile and torch would read different files.",
                    where,
                    m.header_offset,
                    problem,
                )
            )
        if m.name in seen:
            out.append(
                _finding(
                    ctx,
                    "scan.zip.duplicate-member",
                    Severity.HIGH,
                    f"The zip holds {m.name!r} more than once.",
                    where,
                    m.header_offset,
                    m.name,
                )
            )
        seen.add(m.name)
        if _escapes(m.name):
            out.append(
                _finding(
                    ctx,
                    "scan.archive.path-traversal",
                    Severity.HIGH,
                    f"Member name {m.name!r} leaves the extraction directory.",
                    where,
                    m.header_offset,
                    m.name,
                )
            )
        declared += m.size
        if m.size > 64 * 1024 * 1024 and m.size > ctx.options.max_archive_ratio * max(
            m.compressed_size, 1
        ):
            out.append(
                _finding(
                    ctx,
                    "scan.archive.bomb",
                    Severity.HIGH,
                    f"Member {m.name!r} declares {m.size} bytes from "
                    f"{m.compressed_size} compressed.",
                    where,
                    m.header_offset,
                    f"ratio {m.size / max(m.compressed_size, 1):.0f}",
                )
            )
    if declared > ctx.options.max_unpacked_bytes:
        out.append(
            _finding(
                ctx,
                "scan.archive.bomb",
                Severity.HIGH,
                f"The members declare {declared} unpacked bytes, over the limit.",
                label,
                None,
                f"{declared} bytes",
            )
        )
    out.extend(_layout(ctx, directory, label))
    return out


def _layout(ctx: MemberScan, directory: Directory, label: str | None) -> list[Finding]:
    out: list[Finding] = []
    spans = sorted((m.header_offset, m.data_end, m) for m in directory.members)
    cursor = directory.prefix
    for start, end, member in spans:
        if start < cursor:
            out.append(
                _finding(
                    ctx,
                    "scan.zip.overlapping-members",
                    Severity.HIGH,
                    f"Member {member.name!r} shares bytes with the member before it.",
                    label,
                    start,
                    member.name,
                )
            )
        elif start - cursor > (24 if cursor > directory.prefix else 0):
            out.append(
                _finding(
                    ctx,
                    "scan.zip.unreferenced-data",
                    Severity.MEDIUM,
                    f"{start - cursor} bytes before member {member.name!r} belong to no member.",
                    label,
                    cursor,
                    f"{start - cursor} bytes",
                )
            )
        cursor = max(cursor, end)
    return out


def _escapes(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


def _zip_member(ctx: MemberScan, buf: mmap.mmap, member: Member, prefix: str) -> list[Finding]:
    label = prefix + member.name
    start, end = member.data_offset, member.data_end
    if end > len(buf):
        return [
            _finding(
                ctx,
                "scan.zip.malformed",
                Severity.HIGH,
                f"Member {member.name!r} runs past the end of the file.",
                label,
                start,
                member.name,
            )
        ]
    if member.method == 0:
        head = buf[start : min(end, start + _HEAD)]
        tail = buf[max(start, end - _TAIL) : end]
        kind = classify_bytes(head, tail, size=end - start, name=member.name)
        if kind is ArtifactKind.PICKLE or member.name.endswith(".pkl"):
            return scan_window(ctx, buf, start, end, label)
        if not _interesting(kind, member.name):
            return []
        chunks = stream_chunks_from(buf, start, end)
    elif member.method == 8:
        chunks = raw_deflate(lambda: stream_chunks_from(buf, start, end))
    else:
        return [
            _finding(
                ctx,
                "scan.archive.unsupported",
                Severity.HIGH,
                f"Member {member.name!r} uses compression method {member.method}, "
                "which the scanner does not read.",
                label,
                start,
                f"method {member.method}",
            )
        ]
    return _materialize(ctx, chunks, member.compressed_size, label, member.name)


def stream_chunks_from(buf: mmap.mmap, start: int, end: int) -> Iterator[bytes]:
    """1 MiB slices of ``buf[start:end]``."""
    for pos in range(start, end, 1 << 20):
        yield buf[pos : min(end, pos + (1 << 20))]


def _interesting(kind: ArtifactKind, name: str) -> bool:
    return kind not in (ArtifactKind.BINARY, ArtifactKind.TEXT, ArtifactKind.EMPTY) or (
        name.endswith((".pkl", ".pickle", ".pt", ".pth", ".joblib"))
    )


def _materialize(
    ctx: MemberScan, chunks: Iterator[bytes], compressed: int, label: str, name: str
) -> list[Finding]:
    dest = ctx.tmpdir / f"m{ctx.next_id()}-{Path(name).name[-64:] or 'member'}"
    try:
        copy_bounded(chunks, dest, ctx.budget, compressed)
    except BombError as exc:
        return [
            _finding(
                ctx,
                "scan.archive.bomb",
                Severity.HIGH,
                f"Unpacking {name!r} stopped: {exc}.",
                label,
                None,
                str(exc),
            )
        ]
    except (zlib.error, lzma.LZMAError, OSError, EOFError) as exc:
        return [
            _finding(
                ctx,
                "scan.archive.malformed",
                Severity.HIGH,
                f"Member {name!r} cannot be decompressed: {exc}.",
                label,
                None,
                str(exc),
            )
        ]
    try:
        return dispatch_file(ctx, dest, label, name)
    finally:
        dest.unlink(missing_ok=True)


# -- tar -----------------------------------------------------------------------------------
def _scan_tar(ctx: MemberScan, path: Path, prefix: str) -> list[Finding]:
    out: list[Finding] = []
    count = 0
    try:
        with tarfile.open(path, mode="r:") as tf:
            while (info := tf.next()) is not None:
                count += 1
                if count > ctx.options.max_archive_members:
                    out.append(
                        _finding(
                            ctx,
                            "scan.archive.bomb",
                            Severity.HIGH,
                            "The tar holds more members than the limit.",
                            prefix.rstrip("!") or None,
                            None,
                            str(count),
                        )
                    )
                    break
                out.extend(_tar_member(ctx, tf, info, prefix))
    except (tarfile.TarError, OSError, EOFError) as exc:
        out.append(
            _finding(
                ctx,
                "scan.archive.malformed",
                Severity.HIGH,
                f"The tar cannot be read: {exc}.",
                prefix.rstrip("!") or None,
                None,
                str(exc),
            )
        )
    return out


def _tar_member(
    ctx: MemberScan, tf: tarfile.TarFile, info: tarfile.TarInfo, prefix: str
) -> list[Finding]:
    label = prefix + info.name
    out: list[Finding] = []
    if _escapes(info.name):
        out.append(
            _finding(
                ctx,
                "scan.archive.path-traversal",
                Severity.HIGH,
                f"Member name {info.name!r} leaves the extraction directory.",
                label,
                info.offset,
                info.name,
            )
        )
    if info.issym() or info.islnk() or info.isdev() or info.isfifo():
        target = info.linkname or info.type.decode("latin-1")
        out.append(
            _finding(
                ctx,
                "scan.archive.link-member",
                Severity.HIGH,
                f"Member {info.name!r} is a link or device ({target!r}).",
                label,
                info.offset,
                target,
            )
        )
        return out
    if not info.isfile():
        return out
    fh = tf.extractfile(info)
    if fh is None:
        return out
    out.extend(_materialize(ctx, stream_chunks(fh, info.size), info.size, label, info.name))
    return out


# -- single-stream compression --------------------------------------------------------------
def _scan_compressed(ctx: MemberScan, path: Path, kind: ArtifactKind, prefix: str) -> list[Finding]:
    name = path.name if not prefix else prefix.rstrip("!").rsplit("!", 1)[-1]
    inner = Path(name).stem if Path(name).suffix in (".gz", ".bz2", ".xz", ".z", ".lz4") else name
    label = f"{prefix}<{kind.value}>"
    try:
        return _materialize(ctx, decompress_file(path, kind), path.stat().st_size, label, inner)
    except CodecMissing:
        return [
            _finding(
                ctx,
                "scan.archive.unsupported",
                Severity.HIGH,
                f"The file is {kind.value}-compressed and the codec is not installed; "
                "its content was not verified.",
                prefix.rstrip("!") or None,
                None,
                kind.value,
            )
        ]
