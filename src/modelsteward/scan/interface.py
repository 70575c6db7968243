"""The Scanner seam: one class per model format.

``Scanner`` lives in :mod:`modelsteward.scan.scanner` and is importable from here; it is
loaded on first use, so that a scan never imports ``typing``.
"""

from __future__ import annotations

from modelsteward._records import Frozen
from modelsteward.errors import StewardError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.scan.scanner import Scanner as Scanner


class ScanError(StewardError):
    """The scanner could not run at all (not: a file is malformed, which is a finding)."""


class ScanOptions(Frozen, kw_only=True):
    """Limits and trust settings for one scan."""

    max_file_bytes: int = 64 * 1024**3
    max_pickle_bytes: int = 2 * 1024**3
    max_pickle_ops: int = 50_000_000
    max_archive_members: int = 100_000
    max_archive_ratio: float = 200.0
    max_unpacked_bytes: int = 16 * 1024**3
    timeout_s: float = 120.0
    """Wall time one reader may spend on one file (see :mod:`modelsteward.scan.budget`)."""
    max_reader_bytes: int = 2 * 1024**3
    """New private memory one reader may allocate for one file."""
    allow_globals: frozenset[str] = frozenset()
    """Tier-2 allowlist: exact ``module.name`` callables the organisation trusts."""
    hash_files: bool = False
    strict: bool = False
    download: bool = False
    """For ``hf://`` repositories: fetch every file in full instead of judging weights from
    ranges of their bytes."""
    """Files of unknown format fail (``high``) instead of being noted (``info``)."""


def __getattr__(name: str) -> object:
    if name == "Scanner":
        from modelsteward.scan.scanner import Scanner

        return Scanner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
