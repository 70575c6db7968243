"""Hand an archive member to the scanner of its format, with its location rewritten to
``outer file!member``."""

from __future__ import annotations

import lzma
import re
import zlib
from pathlib import Path

from modelsteward._records import Record
from modelsteward.findings import Finding, Severity
from modelsteward.inventory import (
    COMPRESSED_KINDS,
    UNREADABLE_ARCHIVES,
    Artifact,
    ArtifactKind,
    sniff_kind,
)
from modelsteward.scan.interface import ScanOptions
from modelsteward.scan.pickle import PICKLE_SUFFIXES, scan_by_name, scan_file, scan_stream
from modelsteward.scan.pickle_sink import Where
from modelsteward.scan.unpack import BombError, Budget, copy_bounded

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from modelsteward.scan.pickle_vm import Buffer

MAX_DEPTH = 4
_CONTAINERS = (
    frozenset({ArtifactKind.ZIP, ArtifactKind.TAR}) | COMPRESSED_KINDS | UNREADABLE_ARCHIVES
)


class MemberScan(Record):
    """The state of one top-level archive scan."""

    artifact: Artifact
    options: ScanOptions
    budget: Budget
    nested: Callable[[MemberScan, Path, ArtifactKind, str], list[Finding]]
    """Scans a container member (``archive.scan_container``)."""
    depth: int = 0
    counter: int = 0
    deadline: float | None = None
    """``time.monotonic()`` after which pickle members stop being interpreted."""
    workdir: str | None = None
    """The temporary directory for extracted members, made on first use; the archive
    scanner removes it."""

    @property
    def tmpdir(self) -> Path:
        """The temporary directory for extracted members (created on first use)."""
        if self.workdir is None:
            import tempfile

            self.workdir = tempfile.mkdtemp(prefix="modelsteward-scan-")
        return Path(self.workdir)

    def next_id(self) -> int:
        """A fresh number for a temporary file name."""
        self.counter += 1
        return self.counter


def scan_window(ctx: MemberScan, buf: Buffer, start: int, end: int, label: str) -> list[Finding]:
    """Interpret a stored pickle member in place."""
    where = Where(path=ctx.artifact.display, member=label, origin=start)
    return scan_stream(buf, start, end, where, ctx.options, deadline=ctx.deadline)


def dispatch_file(ctx: MemberScan, path: Path, label: str, name: str) -> list[Finding]:
    """Scan an unpacked member by its content."""
    kind = sniff_kind(path)
    if kind in _CONTAINERS:
        if ctx.depth >= MAX_DEPTH:
            return [
                Finding(
                    rule_id="scan.archive.nesting",
                    severity=Severity.HIGH,
                    message=f"Archives nest deeper than {MAX_DEPTH} levels at {label!r}; "
                    "the innermost was not examined.",
                    location=ctx.artifact.location(member=label),
                    evidence=label,
                )
            ]
        ctx.depth += 1
        try:
            return ctx.nested(ctx, path, kind, label + "!")
        finally:
            ctx.depth -= 1
    where = Where(path=ctx.artifact.display, member=label)
    if kind is ArtifactKind.PICKLE:
        return scan_file(path, where, ctx.options, deadline=ctx.deadline)
    textual = kind in (ArtifactKind.BINARY, ArtifactKind.TEXT)
    if textual and Path(name).suffix.lower() in PICKLE_SUFFIXES:
        return scan_by_name(path, name, where, ctx.options, deadline=ctx.deadline)
    from modelsteward.scan.claims import claim_of

    unread = kind in (ArtifactKind.BINARY, ArtifactKind.TEXT, ArtifactKind.EMPTY)
    if unread and claim_of(name) is None:
        return []
    if ctx.artifact.path.suffix == ".keras":
        return []  # the Keras scanner reads its own archive's config and weights
    from modelsteward.scan.engine import scan_artifact_findings

    member = Artifact(
        path=path,
        display=ctx.artifact.display,
        relpath=name,
        size=path.stat().st_size,
        kind=kind,
    )
    found = scan_artifact_findings(member, ctx.options)
    return [_relocate(f, label) for f in found]


def _relocate(finding: Finding, label: str) -> Finding:
    loc = finding.location
    member = label if not loc.member else f"{label}!{loc.member}"
    return finding._replace(location=loc._replace(member=member))


def finding(
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


def escapes(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


def materialize(
    ctx: MemberScan, chunks: Iterator[bytes], compressed: int, label: str, name: str
) -> list[Finding]:
    slot = ctx.tmpdir / f"m{ctx.next_id()}"
    slot.mkdir()
    # The member keeps its base name: format scanners recognise files by name too.
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name.replace("\\", "/")).name)[-96:]
    dest = slot / (safe.lstrip(".") or "member")
    try:
        copy_bounded(chunks, dest, ctx.budget, compressed)
    except BombError as exc:
        return [
            finding(
                ctx,
                "scan.archive.bomb",
                Severity.HIGH,
                f"Unpacking {name!r} stopped: {exc}.",
                label,
                None,
                str(exc),
            )
        ]
    except (zlib.error, lzma.LZMAError, OSError, EOFError, RuntimeError) as exc:
        # RuntimeError: what the lz4 frame decoder raises on a corrupt block.
        return [
            finding(
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
        slot.rmdir()
