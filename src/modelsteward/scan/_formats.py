"""Small helpers shared by the non-pickle format scanners."""

from __future__ import annotations

from modelsteward.findings import Finding, Rule, Severity
from modelsteward.inventory import Artifact


def malformed_rule(name: str, what: str) -> Rule:
    """The ``scan.<name>.malformed`` rule of a format scanner."""
    return Rule(
        id=f"scan.{name}.malformed",
        summary=f"The {what} could not be parsed the way its loader reads it.",
        help="Do not load the file; obtain it again from a trusted source.",
        severity=Severity.HIGH,
    )


def malformed(
    artifact: Artifact,
    name: str,
    message: str,
    *,
    offset: int | None = None,
    member: str | None = None,
    evidence: str = "",
) -> Finding:
    """A HIGH ``scan.<name>.malformed`` finding: a file that cannot be parsed is never a pass."""
    return Finding(
        rule_id=f"scan.{name}.malformed",
        severity=Severity.HIGH,
        message=message,
        location=artifact.location(member=member, offset=offset),
        evidence=evidence,
    )


def clip(text: str, limit: int = 160) -> str:
    """``text`` on one line, shortened to ``limit`` characters for evidence."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
