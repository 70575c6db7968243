"""Model-file security: prove that loading a model cannot run code.

Pickle-based formats are interpreted symbolically and judged by a tiered allowlist; every
other format is read the way its loader reads it. Nothing from a model is ever imported or
executed.
"""

from modelsteward.scan.engine import SCANNERS, scan_artifact, scan_inventory, scan_path
from modelsteward.scan.interface import ScanError, Scanner, ScanOptions
from modelsteward.scan.rules import RULES

__all__ = [
    "RULES",
    "SCANNERS",
    "ScanError",
    "ScanOptions",
    "Scanner",
    "scan_artifact",
    "scan_inventory",
    "scan_path",
]
