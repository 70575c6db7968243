"""Adapters from ``vet`` to each check package.

Each adapter imports its check on first use. A check missing from this build is
``unavailable``; a check that raises is ``failed``. Both leave a ``Report.errors`` entry
naming the model, and neither ever invents a result.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelsteward.findings import CheckError, Report, Severity
from modelsteward.inventory import Inventory
from modelsteward.vet.model import (
    CheckState,
    StackFacts,
    StackPackage,
    Vulnerability,
    VulnFacts,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOutcome:
    """What one check produced for one model (or, for vulnerabilities, for the run)."""

    state: CheckState
    report: Report = field(default_factory=Report)
    value: Any = None
    """The check's own result object (``LicenseResult``, ``VulnFacts``), when it ran."""
    detail: str = ""
    sections: Mapping[str, object] = field(default_factory=dict)


def _attr(module: str, name: str) -> Any | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _unavailable(path: str, check: str, what: str) -> CheckOutcome:
    detail = f"{check} check unavailable: this build has no {what}"
    return CheckOutcome(
        state=CheckState.UNAVAILABLE,
        report=Report(errors=(CheckError(path, detail),)),
        detail=detail,
    )


def _failed(path: str, check: str, exc: BaseException) -> CheckOutcome:
    detail = f"{check} check failed: {type(exc).__name__}: {exc}"
    return CheckOutcome(
        state=CheckState.FAILED, report=Report(errors=(CheckError(path, detail),)), detail=detail
    )


def scan_available() -> bool:
    """True when the model-file scanner is part of this build."""
    return _attr("modelsteward.scan", "scan_inventory") is not None


def safety_available() -> bool:
    """True when the safety layer is part of this build."""
    return _attr("modelsteward.safety", "SafetyLayer") is not None


def run_scan(inventory: Inventory, options: Any) -> CheckOutcome:
    """Scan the artifacts of ``inventory`` with ``scan.scan_inventory``."""
    path = inventory.source.given
    scan_inventory = _attr("modelsteward.scan", "scan_inventory")
    if scan_inventory is None:
        return _unavailable(path, "scan", "modelsteward.scan.scan_inventory")
    if options is None:
        from modelsteward.scan.interface import ScanOptions

        options = ScanOptions()
    try:
        report = scan_inventory(inventory, options)
    except Exception as exc:  # one broken scanner never aborts a whole vet
        return _failed(inventory.artifacts[0].display if inventory.artifacts else path, "scan", exc)
    assert isinstance(report, Report)
    state = CheckState.FAILED if report.errors else CheckState.OK
    return CheckOutcome(state=state, report=report)


def run_license(path: Path, use: Any) -> CheckOutcome:
    """Identify and evaluate the license of the model at ``path`` for ``use``, offline."""
    check_license = _attr("modelsteward.licenses", "check_license")
    if check_license is None:
        return _unavailable(str(path), "license", "modelsteward.licenses.check_license")
    try:
        result = check_license(path, use, offline=True)
    except Exception as exc:  # recorded; the policy fails closed on a failed check
        return _failed(str(path), "license", exc)
    report = getattr(result, "report", None)
    return CheckOutcome(
        state=CheckState.OK,
        report=report if isinstance(report, Report) else Report(),
        value=result,
    )


def run_vulns(inventory: Path | None, db_path: Path | None) -> CheckOutcome:
    """Match the serving ``inventory`` against the advisory database at ``db_path``."""
    if inventory is None:
        return CheckOutcome(
            state=CheckState.NOT_REQUESTED, detail="no serving inventory given (--inventory)"
        )
    where = str(inventory)
    load_inventory = _attr("modelsteward.vulns", "load_inventory")
    database = _attr("modelsteward.vulns", "AdvisoryDatabase")
    match_packages = _attr("modelsteward.vulns", "match_packages")
    if load_inventory is None or database is None or match_packages is None:
        return _unavailable(where, "vulns", "modelsteward.vulns.match_packages")
    if db_path is None:
        return _failed(where, "vulns", FileNotFoundError("no advisory database configured"))
    try:
        packages = load_inventory(inventory)
        db = database.open(db_path)
        try:
            result = match_packages(packages, db)
        finally:
            db.close()
        sections = dict(result.to_sections())
    except Exception as exc:  # recorded; the policy fails closed on a failed check
        return _failed(where, "vulns", exc)
    report = getattr(result, "report", None)
    facts = VulnFacts(
        inventory=where,
        packages=len(packages),
        vulnerabilities=tuple(_vulnerability(v) for v in sections.get("vulnerabilities") or ()),
    )
    return CheckOutcome(
        state=CheckState.OK,
        report=report if isinstance(report, Report) else Report(),
        value=facts,
        sections=sections,
    )


def run_stack_licenses(inventory: Path | None, use: Any) -> StackFacts | None:
    """The licenses of the serving ``inventory`` for ``use`` (None without an inventory or
    when the stack cannot be read: the vulnerability check reports that inventory's errors).
    """
    if inventory is None:
        return None
    sources = "modelsteward.licenses.stack_sources"
    check_stack = _attr("modelsteward.licenses.stack", "check_stack")
    is_environment = _attr(sources, "is_environment")
    read_environment = _attr(sources, "read_environment")
    read_sbom = _attr(sources, "read_sbom")
    load_inventory = _attr("modelsteward.vulns", "load_inventory")
    if (
        check_stack is None
        or is_environment is None
        or read_environment is None
        or read_sbom is None
        or load_inventory is None
    ):
        return None
    try:
        installed: list[Any] = []
        pinned: list[tuple[str, str, str]] = []
        if is_environment(inventory):
            installed = list(read_environment(inventory)[0])
        elif inventory.suffix == ".json" and _is_sbom(inventory):
            installed = list(read_sbom(inventory)[0])
        else:
            pinned = [(p.name, p.version, str(inventory)) for p in load_inventory(inventory)]
        result = check_stack(pinned, installed, use=use, inventories=[str(inventory)])
    except Exception:  # the vulnerability check records why the inventory cannot be read
        return None
    return StackFacts(
        inventory=str(inventory),
        packages=tuple(
            StackPackage(
                name=p.name,
                version=p.version,
                license=p.expression,
                category=p.category.value,
                status=p.status.value,
                flags=tuple(p.flags),
            )
            for p in result.packages
        ),
    )


def _is_sbom(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b"CycloneDX" in head


def _vulnerability(item: Mapping[str, Any]) -> Vulnerability:
    try:
        severity = Severity.parse(str(item.get("severity") or "high"))
    except ValueError:
        severity = Severity.HIGH  # an unrated advisory counts as high, never as harmless
    return Vulnerability(
        id=str(item.get("id", "")),
        package=str(item.get("package", "")),
        version=str(item.get("version", "")),
        severity=severity,
        fixed_in=tuple(str(v) for v in item.get("fixed_in") or ()),
        summary=str(item.get("summary", "")),
    )
