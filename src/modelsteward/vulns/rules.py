"""The rule ids of the vulnerability area (stable: policies refer to them)."""

from __future__ import annotations

from modelsteward.findings import Rule, Severity

AFFECTED = Rule(
    id="vuln.osv.affected",
    summary="An installed package version is affected by a published advisory.",
    help="Upgrade to one of the fixed versions, or record an accepted risk with an owner.",
    severity=Severity.HIGH,
)
AMBIGUOUS = Rule(
    id="vuln.osv.ambiguous",
    summary="An advisory names the package but its affected versions cannot be evaluated "
    "exactly (an event that is not PEP 440, or no ranges and no versions).",
    help="Read the advisory and decide by hand; upgrading past it also clears it.",
    severity=Severity.MEDIUM,
)
OVERDUE = Rule(
    id="vuln.sla.overdue",
    summary="A vulnerability is still open after its remediation due date.",
    help="Patch now, or record an accepted risk with an owner and an expiry.",
    severity=Severity.HIGH,
)
RISK_ACCEPTED = Rule(
    id="vuln.sla.accepted",
    summary="A vulnerability is covered by an accepted-risk exception that has not expired.",
    help="No action until the exception expires.",
    severity=Severity.INFO,
)
EXCEPTION_EXPIRED = Rule(
    id="vuln.sla.exception-expired",
    summary="The accepted-risk exception for a vulnerability has expired.",
    help="Patch, or renew the exception with its owner.",
    severity=Severity.MEDIUM,
)
IGNORE_EXPIRED = Rule(
    id="vuln.ignore.expired",
    summary="An ignore entry for a vulnerability has expired, so it is reported again.",
    help="Upgrade, or renew the ignore entry with a new reason and expiry.",
    severity=Severity.LOW,
)

RULES: dict[str, Rule] = {
    r.id: r
    for r in (AFFECTED, AMBIGUOUS, OVERDUE, RISK_ACCEPTED, EXCEPTION_EXPIRED, IGNORE_EXPIRED)
}
"""Every rule of the area, by id."""
