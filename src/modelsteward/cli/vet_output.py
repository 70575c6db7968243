"""What ``vet`` prints: passports with their decisions as table, JSON, SARIF or markdown, and
the passports it recorded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from modelsteward.cli.state import CliState
from modelsteward.findings import Finding, Report, Rule, Severity
from modelsteward.passport import Passport
from modelsteward.policy import Decision, Outcome, Policy
from modelsteward.report import OutputFormat, SummaryTable
from modelsteward.report.markdown import render_passports
from modelsteward.vet import VetRun

if TYPE_CHECKING:
    from modelsteward.services import vetting


def recorded_line(item: vetting.Recorded) -> str:
    line = (
        f"recorded {item.model} (model id {item.model_id}): passport v{item.passport_version}, "
        f"decision {item.decision.value}"
    )
    req = item.request
    if req is not None:
        waits = ", ".join(r.value for r in req.missing_roles) or "nobody"
        line += f"; approval request {req.id} waits for {waits}"
    return line


def _recorded_table(recorded: Sequence[vetting.Recorded]) -> SummaryTable:
    rows = []
    for item in recorded:
        req = item.request
        rows.append(
            (
                str(item.model_id),
                item.model,
                f"v{item.passport_version}",
                item.decision.value,
                "-" if req is None else f"{req.id} ({req.state.value})",
                "-" if req is None else ", ".join(r.value for r in req.missing_roles) or "-",
            )
        )
    return SummaryTable(
        title="vet: recorded in the registry",
        columns=("model id", "model", "passport", "decision", "approval request", "waits for"),
        rows=tuple(rows),
    )


def emit_vet(
    state: CliState,
    run: VetRun,
    decisions: Sequence[Decision],
    policy: Policy,
    recorded: Sequence[vetting.Recorded] | None = None,
    *,
    versions: dict[str, str] | None = None,
) -> int:
    pairs = list(zip(run.passports, decisions, strict=True))
    extra = {} if versions is None else {"versions": versions}
    objects = [{**p.to_dict(), "decision": d.to_dict(), **extra} for p, d in pairs]
    sections: dict[str, object] = {"passports": objects}
    if len(objects) == 1:
        sections["passport"] = objects[0]
    sections["policy"] = {
        "name": policy.name,
        "revision": policy.revision,
        "digest": policy.digest,
        "source": policy.source,
    }
    summary = _summary(pairs)
    if recorded is not None:
        sections["recorded"] = [r.to_dict() for r in recorded]
        summary = (*summary, _recorded_table(recorded))
    denied = any(d.denied for d in decisions)
    report = run.report
    if state.fmt is OutputFormat.SARIF:  # code-scanning UIs show results, not JSON sections
        report = report.merge(Report.of(decision_findings(decisions)))
    code = state.emit(
        "vet",
        report,
        rules=DECISION_RULES,
        sections=sections,
        summary=summary,
        markdown=render_passports(pairs),
        denied=denied,
    )
    if state.fail_on_set:
        return code
    return 1 if denied else 0  # the policy decision is the gate unless fail_on is chosen


DECISION_RULES: dict[str, Rule] = {
    "policy.decision.reject": Rule(
        id="policy.decision.reject",
        summary="The policy rejects the model for this reason.",
        help="Fix the finding, or record a time-limited exception owned by someone.",
        severity=Severity.HIGH,
    ),
    "policy.decision.needs-review": Rule(
        id="policy.decision.needs-review",
        summary="The policy requires a reviewer to sign off for this reason.",
        help="Ask the named role to approve in the registry (modelsteward registry approve).",
        severity=Severity.MEDIUM,
    ),
}
"""SARIF metadata for the decision results ``vet --format sarif`` adds."""


def decision_findings(decisions: Sequence[Decision]) -> list[Finding]:
    """One finding per enforced reason, for SARIF: the policy's verdict as a result."""
    out = []
    for d in decisions:
        for r in d.reasons:
            rejects = r.outcome is Outcome.REJECT
            roles = ", ".join(x.value for x in r.roles)
            out.append(
                Finding(
                    rule_id="policy.decision.reject" if rejects else "policy.decision.needs-review",
                    severity=Severity.HIGH if rejects else Severity.MEDIUM,
                    message=f"{d.model}: [{r.rule}] {r.message}"
                    + ("" if rejects or not roles else f" Reviewers: {roles}."),
                    location=r.location,
                    evidence=r.finding,
                )
            )
    return out


def _summary(pairs: Sequence[tuple[Passport, Decision]]) -> tuple[SummaryTable, ...]:
    rows = []
    reasons = []
    for p, d in pairs:
        lic = p.license
        rows.append(
            (
                p.identity.name,
                d.outcome.value,
                ", ".join(r.value for r in d.roles) or "-",
                (lic.license_id or "unknown") + f" ({lic.decision})" if lic else "unavailable",
                str(len(p.identity.files)),
                str(len(d.reasons)),
            )
        )
        for r in (*d.reasons, *d.warnings):
            label = r.outcome.value if r in d.reasons else "warn"
            reasons.append(
                (p.identity.name, label, r.rule, r.finding, r.location.describe(), r.message)
            )
    out = [
        SummaryTable(
            title="vet: decisions",
            columns=("model", "decision", "reviewers", "license", "files", "reasons"),
            rows=tuple(rows),
        )
    ]
    if reasons:
        out.append(
            SummaryTable(
                title="vet: reasons",
                columns=("model", "outcome", "rule", "finding", "location", "why"),
                rows=tuple(reasons),
            )
        )
    return tuple(out)
