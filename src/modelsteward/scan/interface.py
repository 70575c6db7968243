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

_set = object.__setattr__


class ScanError(StewardError):
    """The scanner could not run at all (not: a file is malformed, which is a finding)."""


class ScanOptions(Frozen):
    """Limits and trust settings for one scan."""

    _fields = (
        "max_file_bytes", "max_pickle_bytes", "max_pickle_ops", "max_archive_members",
        "max_archive_ratio", "max_unpacked_bytes", "timeout_s", "allow_globals", "hash_files",
    )  # fmt: skip
    __slots__ = _fields
    __match_args__ = ()

    max_file_bytes: int
    max_pickle_bytes: int
    max_pickle_ops: int
    max_archive_members: int
    max_archive_ratio: float
    max_unpacked_bytes: int
    timeout_s: float
    allow_globals: frozenset[str]
    """Tier-2 allowlist: exact ``module.name`` callables the organisation trusts."""
    hash_files: bool

    def __init__(
        self,
        *,
        max_file_bytes: int = 64 * 1024**3,
        max_pickle_bytes: int = 2 * 1024**3,
        max_pickle_ops: int = 50_000_000,
        max_archive_members: int = 100_000,
        max_archive_ratio: float = 200.0,
        max_unpacked_bytes: int = 16 * 1024**3,
        timeout_s: float = 120.0,
        allow_globals: frozenset[str] = frozenset(),
        hash_files: bool = False,
    ) -> None:
        _set(self, "max_file_bytes", max_file_bytes)
        _set(self, "max_pickle_bytes", max_pickle_bytes)
        _set(self, "max_pickle_ops", max_pickle_ops)
        _set(self, "max_archive_members", max_archive_members)
        _set(self, "max_archive_ratio", max_archive_ratio)
        _set(self, "max_unpacked_bytes", max_unpacked_bytes)
        _set(self, "timeout_s", timeout_s)
        _set(self, "allow_globals", allow_globals)
        _set(self, "hash_files", hash_files)


def __getattr__(name: str) -> object:
    if name == "Scanner":
        from modelsteward.scan.scanner import Scanner

        return Scanner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
