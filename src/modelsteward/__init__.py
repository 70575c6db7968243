"""modelsteward: adopt open-source AI models like any vetted supplier.

The core vocabulary (findings, errors, the model inventory) is imported eagerly; each
capability is imported on first use, so that ``import modelsteward`` stays cheap.
"""

from __future__ import annotations

import importlib

from modelsteward._version import VERSION as __version__
from modelsteward.errors import ConfigError, StewardError, UsageError
from modelsteward.findings import CheckError, Finding, Location, Report, Rule, Severity, Skipped
from modelsteward.inventory import Artifact, ArtifactKind, Inventory, walk_model

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.config import Settings, load_settings
    from modelsteward.gateway.app import create_app
    from modelsteward.licenses import UseProfile, check_license, load_use_profile
    from modelsteward.policy import default_policy, evaluate, load_policy
    from modelsteward.registry import open_registry
    from modelsteward.safety import SafetyLayer, SafetyPolicy, StreamModerator
    from modelsteward.scan import ScanOptions, scan_inventory, scan_path
    from modelsteward.vet import VetOptions, vet_paths
    from modelsteward.vulns import AdvisoryDatabase, build_bom, load_inventory, match_packages

_LAZY: dict[str, str] = {
    "Settings": "modelsteward.config",
    "load_settings": "modelsteward.config",
    "ScanOptions": "modelsteward.scan",
    "scan_path": "modelsteward.scan",
    "scan_inventory": "modelsteward.scan",
    "UseProfile": "modelsteward.licenses",
    "check_license": "modelsteward.licenses",
    "load_use_profile": "modelsteward.licenses",
    "AdvisoryDatabase": "modelsteward.vulns",
    "load_inventory": "modelsteward.vulns",
    "match_packages": "modelsteward.vulns",
    "build_bom": "modelsteward.vulns",
    "SafetyLayer": "modelsteward.safety",
    "SafetyPolicy": "modelsteward.safety",
    "StreamModerator": "modelsteward.safety",
    "VetOptions": "modelsteward.vet",
    "vet_paths": "modelsteward.vet",
    "default_policy": "modelsteward.policy",
    "evaluate": "modelsteward.policy",
    "load_policy": "modelsteward.policy",
    "open_registry": "modelsteward.registry",
    "create_app": "modelsteward.gateway.app",
}

__all__ = [
    "AdvisoryDatabase",
    "Artifact",
    "ArtifactKind",
    "CheckError",
    "ConfigError",
    "Finding",
    "Inventory",
    "Location",
    "Report",
    "Rule",
    "SafetyLayer",
    "SafetyPolicy",
    "ScanOptions",
    "Settings",
    "Severity",
    "Skipped",
    "StewardError",
    "StreamModerator",
    "UsageError",
    "UseProfile",
    "VetOptions",
    "__version__",
    "build_bom",
    "check_license",
    "create_app",
    "default_policy",
    "evaluate",
    "load_inventory",
    "load_policy",
    "load_settings",
    "load_use_profile",
    "match_packages",
    "open_registry",
    "scan_inventory",
    "scan_path",
    "vet_paths",
    "walk_model",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelsteward' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
