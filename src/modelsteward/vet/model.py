"""The passport's values: what a model is, what its checks found, what it will be used for.

Built by the vet orchestrator; ``modelsteward.passport`` is the public face (it re-exports these
and reads the JSON form back).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from modelsteward.findings import Finding, Report, Severity
from modelsteward.vet.safety_facts import SafetyCoverage, SafetyFacts, layer_enforced

PASSPORT_VERSION = 1
"""Bumped when a field changes meaning; fields are only ever added."""


class CheckName(enum.StrEnum):
    """The checks a passport records."""

    LICENSE = "license"
    SCAN = "scan"
    VULNS = "vulns"
    SAFETY = "safety"


class CheckState(enum.StrEnum):
    """How a check went for one model."""

    OK = "ok"
    """It ran to the end."""
    FAILED = "failed"
    """It ran but could not finish (see the report's errors)."""
    UNAVAILABLE = "unavailable"
    """It is not installed in this build."""
    NOT_REQUESTED = "not_requested"
    """Its input was not given (no ``--inventory`` for vulnerabilities)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FileEntry:
    """One file of the model manifest."""

    path: str
    """Relative to the model root, ``/`` separated."""
    size: int
    kind: str
    sha256: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """Which model this is."""

    name: str
    source: str
    """The path as the user gave it."""
    revision: str | None = None
    files: tuple[FileEntry, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UseFacts:
    """The intended use the passport was evaluated for."""

    profile: str | None = None
    """The preset name or profile file, or None when no use was given."""
    customer_facing: bool = False
    commercial: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseFacts:
    """The license check's verdict, reduced to what policies read."""

    license_id: str | None
    status: str
    """``exact``, ``modified``, ``absent``...: how sure the identification is."""
    family: str | None
    decision: str
    """``allowed``, ``conditional``, ``needs_separate_license``, ``prohibited`` or
    ``needs_review``."""
    flags: tuple[str, ...] = ()
    obligations: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    """The files the license was read from, relative to the model."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeFacts:
    """Code that would run when the model is loaded and that no scanner can verify."""

    custom_code: tuple[str, ...] = ()
    """Python files shipped with the model."""
    trust_remote_code: bool = False
    """``config.json`` maps classes to the model's own code (``auto_map``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Vulnerability:
    """One advisory that hits the serving inventory."""

    id: str
    package: str
    version: str
    severity: Severity
    fixed_in: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VulnFacts:
    """The advisories matched against the runtime inventory that will serve the model."""

    inventory: str
    packages: int
    vulnerabilities: tuple[Vulnerability, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StackPackage:
    """One package of the serving stack and its license."""

    name: str
    version: str
    license: str | None
    """The SPDX expression, None when unknown."""
    category: str
    status: str
    flags: tuple[str, ...] = ()
    """The ``license.stack.*`` rule ids it triggers for the use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StackFacts:
    """The licenses of the runtime inventory that will serve the model."""

    inventory: str
    packages: tuple[StackPackage, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The passport's ``stack`` object."""
        return {
            "inventory": self.inventory,
            "packages": [
                {
                    "name": p.name,
                    "version": p.version,
                    "license": p.license,
                    "category": p.category,
                    "status": p.status,
                    "flags": list(p.flags),
                }
                for p in self.packages
            ],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckStatus:
    """How one check went."""

    name: CheckName
    state: CheckState
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Passport:
    """Everything known about one model, ready for a policy decision."""

    identity: Identity
    use: UseFacts = field(default_factory=UseFacts)
    license: LicenseFacts | None = None
    code: CodeFacts = field(default_factory=CodeFacts)
    vulns: VulnFacts | None = None
    stack: StackFacts | None = None
    """The serving stack's licenses (with ``--inventory``)."""
    safety: SafetyFacts = field(
        default_factory=lambda: SafetyFacts(required=False, configured=False)
    )
    checks: tuple[CheckStatus, ...] = ()
    report: Report = field(default_factory=Report)
    """Every finding, error and skipped item of every check, for this model."""
    vetted_at: str = ""
    """ISO 8601 UTC time of the vet."""

    def check(self, name: CheckName) -> CheckStatus:
        """The status of ``name``; ``unavailable`` when it was not recorded."""
        for status in self.checks:
            if status.name is name:
                return status
        return CheckStatus(name=name, state=CheckState.UNAVAILABLE)

    @property
    def manifest(self) -> dict[str, str]:
        """``relpath -> sha256`` for every hashed file; what an approval binds to."""
        return {f.path: f.sha256 for f in self.identity.files if f.sha256}

    @property
    def manifest_digest(self) -> str:
        """The digest of :attr:`manifest` (what the registry and evaluations bind to)."""
        return manifest_digest(self.manifest)

    def to_dict(self) -> dict[str, object]:
        """The JSON ``passport`` object (see docs/vet.md)."""
        return {
            "version": PASSPORT_VERSION,
            "vetted_at": self.vetted_at,
            "identity": {
                "name": self.identity.name,
                "source": self.identity.source,
                "revision": self.identity.revision,
                "files": [_file_dict(f) for f in self.identity.files],
            },
            "use": {
                "profile": self.use.profile,
                "customer_facing": self.use.customer_facing,
                "commercial": self.use.commercial,
            },
            "license": _license_dict(self.license),
            "code": {
                "custom_code": list(self.code.custom_code),
                "trust_remote_code": self.code.trust_remote_code,
            },
            "vulns": _vulns_dict(self.vulns),
            "stack": None if self.stack is None else self.stack.to_dict(),
            "safety": {
                "required": self.safety.required,
                "configured": self.safety.configured,
                "coverage": [c.to_dict() for c in self.safety.coverage],
                "evaluation": self.safety.evaluation.to_dict() if self.safety.evaluation else None,
            },
            "checks": {
                c.name.value: {"state": c.state.value, "detail": c.detail} for c in self.checks
            },
            "report": self.report.to_dict(),
        }


def manifest_digest(files: Mapping[str, str]) -> str:
    """The SHA-256 of a file manifest (relpath -> sha256) in canonical form."""
    text = json.dumps(dict(sorted(files.items())), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_dict(f: FileEntry) -> dict[str, object]:
    return {"path": f.path, "size": f.size, "kind": f.kind, "sha256": f.sha256}


def _license_dict(facts: LicenseFacts | None) -> dict[str, object] | None:
    if facts is None:
        return None
    return {
        "id": facts.license_id,
        "status": facts.status,
        "family": facts.family,
        "decision": facts.decision,
        "flags": list(facts.flags),
        "obligations": list(facts.obligations),
        "files": list(facts.files),
    }


def _vulns_dict(facts: VulnFacts | None) -> dict[str, object] | None:
    if facts is None:
        return None
    return {
        "inventory": facts.inventory,
        "packages": facts.packages,
        "vulnerabilities": [
            {
                "id": v.id,
                "package": v.package,
                "version": v.version,
                "severity": v.severity.label,
                "fixed_in": list(v.fixed_in),
                "summary": v.summary,
            }
            for v in facts.vulnerabilities
        ],
    }


def findings_in(report: Report, prefixes: Sequence[str]) -> tuple[Finding, ...]:
    """The findings whose rule id starts with one of ``prefixes``."""
    return tuple(f for f in report.findings if f.rule_id.startswith(tuple(prefixes)))


def with_coverage(passport: Passport, coverage: Sequence[SafetyCoverage]) -> Passport:
    """``passport`` with its safety section stated from ``coverage``: required when the use
    or a deployment faces customers, configured only when ``layer_enforced``."""
    cov = tuple(coverage)
    facing = passport.use.customer_facing or any(c.customer_facing for c in cov)
    safety = replace(
        passport.safety,
        required=facing,
        configured=layer_enforced(cov, passport.use.customer_facing),
        coverage=cov,
    )
    status = safety_status(facing, cov)
    checks = tuple(status if c.name is CheckName.SAFETY else c for c in passport.checks)
    if not any(c.name is CheckName.SAFETY for c in checks):
        checks += (status,)
    return replace(passport, safety=safety, checks=checks)


def safety_status(facing: bool, coverage: tuple[SafetyCoverage, ...]) -> CheckStatus:
    """The safety check's status: whether the facts say how a customer-facing model is
    served."""
    if not facing:
        detail = "neither the use nor a known deployment faces customers"
        return CheckStatus(name=CheckName.SAFETY, state=CheckState.NOT_REQUESTED, detail=detail)
    if not coverage:
        detail = "no gateway configuration or deployment record states how it is served"
        return CheckStatus(name=CheckName.SAFETY, state=CheckState.NOT_REQUESTED, detail=detail)
    detail = "; ".join(f"{c.deployment}: safety {c.safety_profile}, {c.exposure}" for c in coverage)
    return CheckStatus(name=CheckName.SAFETY, state=CheckState.OK, detail=detail)
