"""The Scanner seam (a typing Protocol, imported only by code that names it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelsteward.findings import Finding
    from modelsteward.inventory import Artifact
    from modelsteward.scan.interface import ScanOptions


class Scanner(Protocol):
    """Reads one format the way its real loader reads it, without executing anything."""

    name: str
    """Short format name used in rule ids (``pickle``, ``gguf``...)."""

    def handles(self, artifact: Artifact) -> bool:
        """True when this scanner understands ``artifact`` (judged by ``artifact.kind``)."""
        ...

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield findings; a malformed input is a ``scan.<name>.malformed`` finding, never an
        exception."""
        ...
