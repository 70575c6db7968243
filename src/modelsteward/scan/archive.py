"""Zip (PyTorch, npz, .keras), tar (legacy torch) and single-stream compressed files (joblib).

Members are read the way torch's reader reads them (central directory first), inflated into
a private temporary directory under the scan's size and ratio limits, and handed to the
scanner of their format. Archive-level tricks are findings of their own.
"""

from __future__ import annotations

import mmap
import time
from collections.abc import Iterator
from pathlib import Path

from modelsteward.findings import Finding, Severity
from modelsteward.inventory import (
    COMPRESSED_KINDS,
    UNREADABLE_ARCHIVES,
    Artifact,
    ArtifactKind,
    classify_bytes,
)
from modelsteward.scan.archive_members import (
    MemberScan,
    escapes,
    finding,
    materialize,
    scan_window,
)
from modelsteward.scan.interface import ScanOptions
from modelsteward.scan.torch import STORAGE_MEMBER, is_torch_zip, is_torchscript
from modelsteward.scan.unpack import (
    Budget,
    raw_deflate,
)
from modelsteward.scan.zipdir import Directory, Member, ZipFormatError, read_directory

_ARCHIVE_KINDS = (
    frozenset({ArtifactKind.ZIP, ArtifactKind.TAR}) | COMPRESSED_KINDS | UNREADABLE_ARCHIVES
)
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
        ctx = MemberScan(
            artifact=artifact,
            options=options,
            budget=Budget(options.max_unpacked_bytes, options.max_archive_ratio),
            deadline=time.monotonic() + options.timeout_s,
            nested=scan_container,
        )
        try:
            yield from scan_container(ctx, artifact.path, artifact.kind, "")
        finally:
            if ctx.workdir is not None:
                import shutil

                shutil.rmtree(ctx.workdir, ignore_errors=True)


def scan_container(ctx: MemberScan, path: Path, kind: ArtifactKind, prefix: str) -> list[Finding]:
    """Findings of the container at ``path`` (members are labelled ``prefix`` + name)."""
    if kind is ArtifactKind.ZIP:
        return _scan_zip(ctx, path, prefix)
    if kind in UNREADABLE_ARCHIVES:
        return [
            finding(
                ctx,
                "scan.archive.unsupported",
                Severity.HIGH,
                f"The file is a {kind.value} archive, which the scanner does not unpack; "
                "whatever it holds was not verified.",
                prefix.rstrip("!") or None,
                0,
                kind.value,
            )
        ]
    from modelsteward.scan.archive_tar import scan_compressed, scan_tar

    if kind is ArtifactKind.TAR:
        return scan_tar(ctx, path, prefix)
    return scan_compressed(ctx, path, kind, prefix)


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
                    finding(
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
            out.extend(_zip_structure(ctx, buf, directory, prefix))
            names = [m.name for m in directory.members]
            torch = is_torch_zip(names)
            if is_torchscript(names):
                out.append(
                    finding(
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


def _zip_structure(
    ctx: MemberScan, buf: mmap.mmap, directory: Directory, prefix: str
) -> list[Finding]:
    out: list[Finding] = []
    label = prefix.rstrip("!") or None
    for message, offset in directory.problems:
        out.append(
            finding(
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
                finding(
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
                finding(
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
        if escapes(m.name):
            out.append(
                finding(
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
                finding(
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
            finding(
                ctx,
                "scan.archive.bomb",
                Severity.HIGH,
                f"The members declare {declared} unpacked bytes, over the limit.",
                label,
                None,
                f"{declared} bytes",
            )
        )
    out.extend(_layout(ctx, buf, directory, label))
    return out


def _layout(
    ctx: MemberScan, buf: mmap.mmap, directory: Directory, label: str | None
) -> list[Finding]:
    out: list[Finding] = []
    spans = sorted(directory.members, key=lambda m: (m.header_offset, m.data_end))
    cursor = directory.prefix
    for member in [*spans, None]:
        start = member.header_offset if member else directory.cd_offset
        if member and start < cursor:
            out.append(
                finding(
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
            out.append(_gap(ctx, buf, cursor, start, label))
        if member:
            cursor = max(cursor, member.data_end)
    return out


def _gap(ctx: MemberScan, buf: mmap.mmap, start: int, end: int, label: str | None) -> Finding:
    hidden = buf.find(b"PK\x03\x04", start, end) >= 0
    what = " and hold a local file header the directory does not list" if hidden else ""
    return finding(
        ctx,
        "scan.zip.unreferenced-data",
        Severity.HIGH if hidden else Severity.MEDIUM,
        f"{end - start} bytes at offset {start} belong to no member{what}.",
        label,
        start,
        f"{end - start} bytes",
    )


def _zip_member(ctx: MemberScan, buf: mmap.mmap, member: Member, prefix: str) -> list[Finding]:
    label = prefix + member.name
    start, end = member.data_offset, member.data_end
    if end > len(buf):
        return [
            finding(
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
            finding(
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
    return materialize(ctx, chunks, member.compressed_size, label, member.name)


def stream_chunks_from(buf: mmap.mmap, start: int, end: int) -> Iterator[bytes]:
    """1 MiB slices of ``buf[start:end]``."""
    for pos in range(start, end, 1 << 20):
        yield buf[pos : min(end, pos + (1 << 20))]


def _interesting(kind: ArtifactKind, name: str) -> bool:
    return kind not in (ArtifactKind.BINARY, ArtifactKind.TEXT, ArtifactKind.EMPTY) or (
        name.endswith((".pkl", ".pickle", ".pt", ".pth", ".joblib"))
    )
