"""``modelsteward.__all__`` is the public API: pinned here, and every name resolves."""

from __future__ import annotations

import subprocess
import sys

import modelsteward

PUBLIC = [
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


def test_all_is_pinned() -> None:
    assert modelsteward.__all__ == PUBLIC


def test_every_public_name_resolves() -> None:
    for name in PUBLIC:
        assert getattr(modelsteward, name) is not None, name


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        modelsteward.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_is_cheap() -> None:
    code = (
        "import sys, modelsteward; "
        "print(sorted(m for m in sys.modules if m.startswith('modelsteward.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.strip()
    for heavy in ("scan", "licenses", "vulns", "safety", "registry", "gateway", "config"):
        assert f"'modelsteward.{heavy}'" not in loaded
