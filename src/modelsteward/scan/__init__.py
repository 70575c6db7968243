"""Model-file security: prove that loading a model cannot run code.

Pickle-based formats are interpreted symbolically and judged by a tiered allowlist; every
other format is read the way its loader reads it. Nothing from a model is ever imported or
executed. Format readers are imported on first use; ``RULES`` (the rule catalogue, which
needs every reader's declarations) is built when first read.
"""

from modelsteward.scan.engine import (
    SCANNERS,
    scan_artifact,
    scan_inventory,
    scan_path,
    scan_paths,
)
from modelsteward.scan.interface import ScanError, ScanOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.scan.rules import RULES
    from modelsteward.scan.scanner import Scanner as Scanner

__all__ = [
    "RULES",
    "SCANNERS",
    "ScanError",
    "ScanOptions",
    "Scanner",
    "scan_artifact",
    "scan_inventory",
    "scan_path",
    "scan_paths",
]


def __getattr__(name: str) -> object:
    if name == "RULES":
        from modelsteward.scan.rules import RULES

        return RULES
    if name == "Scanner":
        from modelsteward.scan.scanner import Scanner

        return Scanner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
