"""Hand an archive member to the scanner of its format, with its location rewritten to
``outer file!member``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from modelsteward.findings import Finding, Severity
from modelsteward.inventory import COMPRESSED_KINDS, Artifact, ArtifactKind, sniff_kind
from modelsteward.scan.interface import ScanOptions
from modelsteward.scan.pickle import PICKLE_SUFFIXES, scan_file, scan_stream
from modelsteward.scan.pickle_sink import Where
from modelsteward.scan.pickle_vm import Buffer
from modelsteward.scan.unpack import Budget

MAX_DEPTH = 4
_CONTAINERS = frozenset({ArtifactKind.ZIP, ArtifactKind.TAR}) | COMPRESSED_KINDS


@dataclass(slots=True)
class MemberScan:
    """The state of one top-level archive scan."""

    artifact: Artifact
    options: ScanOptions
    budget: Budget
    tmpdir: Path
    nested: Callable[[MemberScan, Path, ArtifactKind, str], list[Finding]]
    """Scans a container member (``archive.scan_container``)."""
    depth: int = 0
    counter: int = 0

    def next_id(self) -> int:
        """A fresh number for a temporary file name."""
        self.counter += 1
        return self.counter


def scan_window(ctx: MemberScan, buf: Buffer, start: int, end: int, label: str) -> list[Finding]:
    """Interpret a stored pickle member in place."""
    where = Where(path=ctx.artifact.display, member=label, origin=start)
    return scan_stream(buf, start, end, where, ctx.options)


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
    suffix = Path(name).suffix.lower()
    if kind is ArtifactKind.PICKLE or (
        kind in (ArtifactKind.BINARY, ArtifactKind.TEXT) and suffix in PICKLE_SUFFIXES - {".bin"}
    ):
        return scan_file(path, Where(path=ctx.artifact.display, member=label), ctx.options)
    if kind in (ArtifactKind.BINARY, ArtifactKind.TEXT, ArtifactKind.EMPTY):
        return []
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
    return dataclasses.replace(finding, location=dataclasses.replace(loc, member=member))
