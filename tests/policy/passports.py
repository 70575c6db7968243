"""Passport and policy factories for the policy tests."""

from __future__ import annotations

from typing import Any

from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.passport import (
    CheckName,
    CheckState,
    CheckStatus,
    CodeFacts,
    Identity,
    LicenseFacts,
    Passport,
    SafetyFacts,
    UseFacts,
    Vulnerability,
    VulnFacts,
)
from modelsteward.policy import Policy, parse_policy

ALL_OK = tuple(
    CheckStatus(name=n, state=CheckState.OK)
    for n in (CheckName.LICENSE, CheckName.SCAN, CheckName.VULNS, CheckName.SAFETY)
)


def make_license(**overrides: Any) -> LicenseFacts:
    values: dict[str, Any] = {
        "license_id": "apache-2.0",
        "status": "exact",
        "family": "permissive",
        "decision": "allowed",
        "files": ("LICENSE",),
    }
    values.update(overrides)
    return LicenseFacts(**values)


def make_passport(**overrides: Any) -> Passport:
    """A clean, fully checked passport; keyword arguments replace its fields."""
    values: dict[str, Any] = {
        "identity": Identity(name="org/model", source="models/model"),
        "use": UseFacts(profile="internal", customer_facing=False, commercial=True),
        "license": make_license(),
        "code": CodeFacts(),
        "vulns": VulnFacts(inventory="requirements.txt", packages=3),
        "safety": SafetyFacts(required=False, configured=True),
        "checks": ALL_OK,
        "report": Report(),
    }
    values.update(overrides)
    return Passport(**values)


def scan_finding(rule_id: str, severity: Severity, member: str | None = None) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message="seen",
        location=Location(path="models/model/pytorch_model.bin", member=member),
        evidence="posix.system",
    )


def vuln(severity: Severity, vid: str = "PYSEC-1") -> Vulnerability:
    return Vulnerability(id=vid, package="vllm", version="0.8.4", severity=severity)


def policy_of(rules: str, *, mode: str = "enforce", exceptions: str = "[]") -> Policy:
    """A policy whose ``rules:`` list is the given YAML text (indented by the caller)."""
    text = f"version: 1\nname: t\nmode: {mode}\nrules:\n{rules}\nexceptions: {exceptions}\n"
    return parse_policy(text, source="t.yaml")
