"""The Scanner seam: one class per model format."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from modelsteward.errors import StewardError
from modelsteward.findings import Finding
from modelsteward.inventory import Artifact


class ScanError(StewardError):
    """The scanner could not run at all (not: a file is malformed, which is a finding)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanOptions:
    """Limits and trust settings for one scan."""

    max_file_bytes: int = 64 * 1024**3
    max_pickle_bytes: int = 2 * 1024**3
    max_pickle_ops: int = 50_000_000
    max_archive_members: int = 100_000
    max_archive_ratio: float = 200.0
    max_unpacked_bytes: int = 16 * 1024**3
    timeout_s: float = 120.0
    allow_globals: frozenset[str] = frozenset()
    """Tier-2 allowlist: exact ``module.name`` callables the organisation trusts."""
    hash_files: bool = False


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
