"""Vetting a model at gateway start-up (``approval: auto`` and the quick start's ``warn``).

Both modes refuse a model whose files have a high or critical scan finding (or that the
scanner could not check or parse). ``warn`` then runs the policy in warn mode and serves the
rest, passing the policy's reasons and the passport's other findings on as warnings.
``auto`` serves a model only when the default policy approves its passport outright
(``needs_review`` is not enough). The passport states how the gateway serves the model
(its safety profile and exposure), so the policy judges those facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from modelsteward.findings import Severity
from modelsteward.gateway.approval import ModelStatus
from modelsteward.passport import (
    CheckName,
    CheckState,
    Passport,
    SafetyCoverage,
    findings_in,
    with_coverage,
)
from modelsteward.policy import Mode, Outcome, Policy, default_policy, evaluate
from modelsteward.policy.checks import SCAN_PREFIXES
from modelsteward.vet import VetOptions, vet_paths


def vet_for_serving(
    path: Path,
    *,
    warn_only: bool,
    policy: Policy | None = None,
    coverage: Sequence[SafetyCoverage] = (),
) -> ModelStatus:
    """Vet ``path`` and decide whether the gateway may serve it; ``coverage`` states how
    this gateway serves it.

    Raises:
        UsageError: when the path cannot be read.
    """
    run = vet_paths([path], VetOptions(workers=2))
    passport = with_coverage(run.passports[0], coverage)
    scan = passport.check(CheckName.SCAN)
    if scan.state is not CheckState.OK:
        detail = f": {scan.detail}" if scan.detail else ""
        return ModelStatus(False, f"the file scan did not complete ({scan.state}){detail}")
    # A file with a high or critical finding is never served, whatever the mode: a tensor
    # past the end of a GGUF is as much a reason to refuse as code in a pickle.
    severe = sorted(
        {
            f"{f.rule_id} ({f.severity.label})"
            for f in findings_in(passport.report, SCAN_PREFIXES)
            if f.severity >= Severity.HIGH
        }
    )
    if severe:
        return ModelStatus(False, f"high or critical findings in its files: {', '.join(severe)}")
    # A file the scanner could not parse was not checked: fail closed, as for a scan error.
    unparsed = sorted(
        {f.rule_id for f in passport.report.findings if f.rule_id.endswith(".malformed")}
    )
    if unparsed:
        return ModelStatus(False, f"files the scanner could not parse: {', '.join(unparsed)}")
    chosen = policy or default_policy()
    if warn_only:
        chosen = dataclasses.replace(chosen, mode=Mode.WARN)
    decision = evaluate(chosen, passport)
    warnings = _warnings(passport) + tuple(
        f"policy {r.rule}: {r.message}" for r in (*decision.reasons, *decision.warnings)
    )
    if warn_only:
        return ModelStatus(True, "vetted in warn mode: no high or critical findings", warnings)
    if decision.outcome is Outcome.APPROVE:
        return ModelStatus(True, "approved by the policy at start-up", warnings)
    reasons = "; ".join(r.message for r in decision.reasons[:3])
    return ModelStatus(
        False, f"policy decision at start-up: {decision.outcome.value}: {reasons}", warnings
    )


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
