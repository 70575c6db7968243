"""The vetting orchestrator: walk each model once, run every available check, build passports.

Checks run in a thread pool across models and, for the scanner, across files. A check that is
not installed in this build, or that raises, is recorded in the passport (``checks``) and in
``Report.errors``; it never produces made-up results. The serving inventory is matched against
the advisory database once and shared by every model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from modelsteward.findings import CheckError, Report
from modelsteward.inventory import Artifact, ArtifactKind, Inventory, walk_model
from modelsteward.vet.checks import (
    CheckOutcome,
    run_license,
    run_scan,
    run_stack_licenses,
    run_vulns,
    scan_available,
)
from modelsteward.vet.model import (
    CheckName,
    CheckState,
    CheckStatus,
    CodeFacts,
    FileEntry,
    Identity,
    LicenseFacts,
    Passport,
    UseFacts,
    safety_status,
)
from modelsteward.vet.safety_facts import (
    SafetyFacts,
)

Progress = Callable[[int], None]
"""``advance(n)``: called once per finished unit of work (a file scanned, a license read)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VetOptions:
    """What to vet each model for."""

    use: Any = None
    """A ``licenses.UseProfile``, or None to evaluate the license without a use."""
    use_label: str | None = None
    """How the use was given (preset name or profile file), recorded in the passport."""
    inventory: Path | None = None
    """The serving runtime's inventory (requirements, lock, SBOM) for the vulnerability check."""
    advisory_db: Path | None = None
    scan: Any = None
    """``scan.ScanOptions``; None for the scanner's defaults."""
    hash_files: bool = True
    workers: int = 4
    now: datetime | None = None
    """Fixed vetting time, for reproducible output."""


@dataclass(frozen=True, slots=True)
class VetRun:
    """The passports of one ``vet`` call, one per path, in the order given."""

    passports: tuple[Passport, ...]
    vulns_sections: dict[str, object] = field(default_factory=dict)
    """The vulnerability check's ``packages``/``vulnerabilities`` JSON, when it ran."""
    shared: Report = field(default_factory=Report)
    """The serving inventory's report: in every passport, but counted once here."""

    @property
    def report(self) -> Report:
        """Every passport's report, folded, with the shared inventory report once."""
        own = [_without(p.report, self.shared) for p in self.passports]
        return Report().merge(*own, self.shared)


def _without(report: Report, shared: Report) -> Report:
    findings = set(shared.findings)
    errors = set(shared.errors)
    skipped = set(shared.skipped)
    return Report(
        tuple(f for f in report.findings if f not in findings),
        tuple(e for e in report.errors if e not in errors),
        tuple(s for s in report.skipped if s not in skipped),
    )


def count_units(inventories: Sequence[Inventory]) -> int:
    """How many progress units vetting ``inventories`` takes: files plus one license each."""
    return sum(len(inv.artifacts) + 1 for inv in inventories)


def walk_models(
    paths: Sequence[str | Path], *, hash_files: bool = True, download: bool = False
) -> tuple[Inventory, ...]:
    """Walk each path once (``download``: fetch ``hf://`` repositories in full).

    Raises:
        UsageError: when a path does not exist or cannot be read.
        HubError: when a Hub repository cannot be read.
    """
    return tuple(walk_model(p, hash_files=hash_files, download=download) for p in paths)


def vet_models(
    inventories: Sequence[Inventory], options: VetOptions, progress: Progress | None = None
) -> VetRun:
    """Run every check on every model and build one passport per inventory.

    Never raises for a check's failure: it is recorded in the passport.
    """
    advance = progress or (lambda n: None)
    now = (options.now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        vulns_future = pool.submit(run_vulns, options.inventory, options.advisory_db)
        stack_future = pool.submit(run_stack_licenses, options.inventory, options.use)
        jobs = [_submit(pool, inv, options, advance) for inv in inventories]
        vulns = vulns_future.result()
        stack = stack_future.result()
        passports = tuple(
            replace(_assemble(inv, options, scans, lic, vulns, now), stack=stack)
            for inv, (scans, lic) in zip(inventories, jobs, strict=True)
        )
    return VetRun(passports, dict(vulns.sections), vulns.report)


def vet_paths(
    paths: Sequence[str | Path], options: VetOptions, progress: Progress | None = None
) -> VetRun:
    """Walk and vet ``paths``: the library entry point.

    Raises:
        UsageError: when a path does not exist or cannot be read.
    """
    return vet_models(walk_models(paths, hash_files=options.hash_files), options, progress)


_Job = tuple[list["Future[CheckOutcome]"], "Future[CheckOutcome]"]


def _submit(
    pool: ThreadPoolExecutor, inv: Inventory, options: VetOptions, advance: Progress
) -> _Job:
    def tracked(fn: Callable[[], CheckOutcome], units: int) -> Callable[[], CheckOutcome]:
        def run() -> CheckOutcome:
            try:
                return fn()
            finally:
                advance(units)

        return run

    scans: list[Future[CheckOutcome]] = []
    if not scan_available():
        scans.append(pool.submit(tracked(lambda: run_scan(inv, None), len(inv.artifacts))))
    for art in inv.artifacts if scan_available() else ():
        single = Inventory(inv.source, (art,), Report())
        scans.append(pool.submit(tracked(partial(run_scan, single, options.scan), 1)))
    root = Path(inv.source.given)
    lic = pool.submit(tracked(lambda: run_license(root, options.use), 1))
    return scans, lic


def _assemble(
    inv: Inventory,
    options: VetOptions,
    scans: list[Future[CheckOutcome]],
    lic_future: Future[CheckOutcome],
    vulns: CheckOutcome,
    now: str,
) -> Passport:
    scan_results = [f.result() for f in scans]
    lic = lic_future.result()
    scan_state = _combined_state([s.state for s in scan_results]) if scan_results else CheckState.OK
    scan_report = Report().merge(*(s.report for s in scan_results))
    if not inv.artifacts:
        scan_report = scan_report.merge(
            Report(errors=(CheckError(inv.source.given, "the model has no files to vet"),))
        )
        scan_state = CheckState.FAILED
    customer_facing = bool(getattr(options.use, "customer_facing", False))
    commercial = getattr(options.use, "commercial", None)
    checks = (
        CheckStatus(name=CheckName.LICENSE, state=lic.state, detail=lic.detail),
        CheckStatus(name=CheckName.SCAN, state=scan_state, detail=_detail(scan_results)),
        CheckStatus(name=CheckName.VULNS, state=vulns.state, detail=vulns.detail),
        safety_status(customer_facing, ()),
    )
    return Passport(
        identity=_identity(inv),
        use=UseFacts(
            profile=options.use_label,
            customer_facing=customer_facing,
            commercial=None if commercial is None else bool(commercial),
        ),
        license=_license_facts(lic.value, inv),
        code=_code_facts(inv),
        vulns=vulns.value if vulns.state is CheckState.OK else None,
        # Not configured until a gateway configuration or a deployment record says so
        # (``with_coverage``): an importable safety module serves nobody.
        safety=SafetyFacts(required=customer_facing, configured=False),
        checks=checks,
        report=Report().merge(inv.report, scan_report, lic.report, vulns.report),
        vetted_at=now,
    )


def _combined_state(states: Sequence[CheckState]) -> CheckState:
    for worst in (CheckState.UNAVAILABLE, CheckState.FAILED):
        if worst in states:
            return worst
    return CheckState.OK


def _detail(results: Sequence[CheckOutcome]) -> str:
    return next((r.detail for r in results if r.detail), "")


def _identity(inv: Inventory) -> Identity:
    src = inv.source
    name = src.name or src.root.name
    files = tuple(
        FileEntry(path=a.relpath, size=a.size, kind=a.kind.value, sha256=a.sha256)
        for a in inv.artifacts
    )
    return Identity(name=name, source=src.given, revision=src.revision, files=files)


def _license_facts(result: Any, inv: Inventory) -> LicenseFacts | None:
    if result is None:
        return None
    raw = result.to_dict() if hasattr(result, "to_dict") else {}
    files: tuple[str, ...] = ()
    lic = raw.get("license") if isinstance(raw, dict) else None
    if isinstance(lic, dict):
        files = tuple(str(f) for f in lic.get("files") or ())
    return LicenseFacts(
        license_id=_text(getattr(result, "license_id", None)),
        status=_text(getattr(result, "status", None)) or "unknown",
        family=_text(getattr(result, "family", None)),
        decision=_text(getattr(result, "decision", None)) or "needs_review",
        flags=tuple(_text(f) or "" for f in getattr(result, "flags", ()) or ()),
        obligations=tuple(str(o) for o in getattr(result, "obligations", ()) or ()),
        files=files,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _code_facts(inv: Inventory) -> CodeFacts:
    custom = tuple(a.relpath for a in inv.artifacts if a.kind is ArtifactKind.PYTHON)
    return CodeFacts(custom_code=custom, trust_remote_code=_auto_map(inv.artifacts))


def _auto_map(artifacts: Sequence[Artifact]) -> bool:
    for art in artifacts:
        if art.relpath.rsplit("/", 1)[-1] not in ("config.json", "tokenizer_config.json"):
            continue
        try:
            data = json.loads(art.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("auto_map"):
            return True
    return False
