"""Vetting a model at gateway start-up (``approval: auto`` and the quick start's ``warn``).

``warn`` refuses a model whose files have critical scan findings (or that the scanner could
not check) and serves the rest, passing the passport's other findings on as warnings.
``auto`` serves a model only when the policy approves its passport without review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelsteward.findings import Severity
from modelsteward.gateway.approval import ModelStatus
from modelsteward.passport import CheckName, CheckState, Passport
from modelsteward.vet import VetOptions, vet_paths


def vet_for_serving(path: Path, *, warn_only: bool) -> ModelStatus:
    """Vet ``path`` and decide whether the gateway may serve it."""
    run = vet_paths([path], VetOptions(safety_layer=True, workers=2))
    passport = run.passports[0]
    scan = passport.check(CheckName.SCAN)
    if scan.state is not CheckState.OK:
        return ModelStatus(False, f"the file scan did not complete ({scan.state}): {scan.detail}")
    critical = [
        f
        for f in passport.report.findings
        if f.rule_id.startswith("scan.") and f.severity >= Severity.CRITICAL
    ]
    if critical:
        rules = ", ".join(sorted({f.rule_id for f in critical}))
        return ModelStatus(False, f"critical scan findings: {rules}")
    warnings = _warnings(passport)
    if warn_only:
        return ModelStatus(True, "vetted: no critical scan findings", warnings)
    return _policy(passport, warnings)


def _warnings(passport: Passport) -> tuple[str, ...]:
    lines = [
        f"{f.rule_id}: {f.message}"
        for f in passport.report.findings
        if f.severity >= Severity.MEDIUM
    ]
    lines += [
        f"check {c.name} {c.state}" + (f": {c.detail}" if c.detail else "")
        for c in passport.checks
        if c.state in (CheckState.FAILED, CheckState.UNAVAILABLE)
    ]
    return tuple(lines)


def _policy(passport: Passport, warnings: tuple[str, ...]) -> ModelStatus:
    try:
        from modelsteward import policy
    except ImportError as exc:  # pragma: no cover - policy ships with the package
        return ModelStatus(False, f"the policy engine is not available: {exc}")
    evaluate: Any = getattr(policy, "evaluate_passport", None)
    if evaluate is None:
        return ModelStatus(False, "the policy engine is not available in this build")
    decision = evaluate(passport)
    outcome = str(getattr(decision, "outcome", getattr(decision, "decision", "")))
    if outcome in ("approve", "approved"):
        return ModelStatus(True, "approved by policy at start-up", warnings)
    return ModelStatus(False, f"policy decision at start-up: {outcome or 'not approved'}")
