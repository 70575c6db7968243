"""Vetting: walk models, run every available check, and build their passports."""

from modelsteward.vet.checks import CheckOutcome, safety_available, scan_available
from modelsteward.vet.run import VetOptions, VetRun, count_units, vet_models, vet_paths, walk_models

__all__ = [
    "CheckOutcome",
    "VetOptions",
    "VetRun",
    "count_units",
    "safety_available",
    "scan_available",
    "vet_models",
    "vet_paths",
    "walk_models",
]
