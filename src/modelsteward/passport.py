"""The model passport: what a model is, what its checks found, and what it will be used for.

A passport is plain data built by ``vet``; the policy engine turns it into a decision and the
registry stores it. ``to_dict`` gives the JSON contract and ``passport_from_dict`` reads it
back (policy test fixtures, the registry).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modelsteward.errors import StewardError
from modelsteward.findings import CheckError, Finding, Location, Report, Severity, Skipped

PASSPORT_VERSION = 1
"""Bumped when a field changes meaning; fields are only ever added."""


class PassportError(StewardError):
    """A passport document (a fixture, a stored passport) cannot be read."""


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
class SafetyFacts:
    """Whether the safety layer must front the model, and whether it will."""

    required: bool
    configured: bool


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
            "safety": {"required": self.safety.required, "configured": self.safety.configured},
            "checks": {
                c.name.value: {"state": c.state.value, "detail": c.detail} for c in self.checks
            },
            "report": self.report.to_dict(),
        }


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


def passport_from_dict(data: Mapping[str, object]) -> Passport:
    """Read a passport from its JSON form; missing sections take their defaults.

    Fixtures may be partial: only ``identity.name`` is required.

    Raises:
        PassportError: when a field has the wrong type or value.
    """
    try:
        return _parse(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise PassportError(
            f"invalid passport: {exc}",
            hint="compare the document with the passport format in docs/vet.md",
        ) from exc


def findings_in(report: Report, prefixes: Sequence[str]) -> tuple[Finding, ...]:
    """The findings whose rule id starts with one of ``prefixes``."""
    return tuple(f for f in report.findings if f.rule_id.startswith(tuple(prefixes)))


def _map(data: object, where: str) -> Mapping[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise TypeError(f"{where} must be a mapping")
    return data


def _strs(data: object) -> tuple[str, ...]:
    if data is None:
        return ()
    if isinstance(data, str) or not isinstance(data, Sequence):
        raise TypeError(f"expected a list of strings, got {data!r}")
    return tuple(str(x) for x in data)


def _opt_str(data: object) -> str | None:
    return None if data is None else str(data)


def _parse(data: Mapping[str, object]) -> Passport:
    ident = _map(data.get("identity"), "identity")
    identity = Identity(
        name=str(ident["name"]),
        source=str(ident.get("source") or ident["name"]),
        revision=_opt_str(ident.get("revision")),
        files=tuple(
            FileEntry(
                path=str(f["path"]),
                size=int(f.get("size", 0)),
                kind=str(f.get("kind", "binary")),
                sha256=_opt_str(f.get("sha256")),
            )
            for f in (_map(x, "identity.files[]") for x in ident.get("files") or ())
        ),
    )
    use = _map(data.get("use"), "use")
    code = _map(data.get("code"), "code")
    safety = _map(data.get("safety"), "safety")
    customer_facing = bool(use.get("customer_facing", False))
    checks = _map(data.get("checks"), "checks")
    return Passport(
        identity=identity,
        use=UseFacts(
            profile=_opt_str(use.get("profile")),
            customer_facing=customer_facing,
            commercial=None if use.get("commercial") is None else bool(use["commercial"]),
        ),
        license=_parse_license(data.get("license")),
        code=CodeFacts(
            custom_code=_strs(code.get("custom_code")),
            trust_remote_code=bool(code.get("trust_remote_code", False)),
        ),
        vulns=_parse_vulns(data.get("vulns")),
        safety=SafetyFacts(
            required=bool(safety.get("required", customer_facing)),
            configured=bool(safety.get("configured", False)),
        ),
        checks=tuple(
            CheckStatus(
                name=CheckName(name),
                state=CheckState(_map(v, f"checks.{name}").get("state", "ok")),
                detail=str(_map(v, f"checks.{name}").get("detail", "")),
            )
            for name, v in checks.items()
        ),
        report=_parse_report(_map(data.get("report"), "report")),
        vetted_at=str(data.get("vetted_at") or ""),
    )


def _parse_license(data: object) -> LicenseFacts | None:
    if data is None:
        return None
    lic = _map(data, "license")
    return LicenseFacts(
        license_id=_opt_str(lic.get("id")),
        status=str(lic.get("status", "exact")),
        family=_opt_str(lic.get("family")),
        decision=str(lic["decision"]),
        flags=_strs(lic.get("flags")),
        obligations=_strs(lic.get("obligations")),
        files=_strs(lic.get("files")),
    )


def _parse_vulns(data: object) -> VulnFacts | None:
    if data is None:
        return None
    vul = _map(data, "vulns")
    entries = tuple(_map(v, "vulns.vulnerabilities[]") for v in vul.get("vulnerabilities") or ())
    return VulnFacts(
        inventory=str(vul.get("inventory", "")),
        packages=int(vul.get("packages", len(entries))),
        vulnerabilities=tuple(
            Vulnerability(
                id=str(v["id"]),
                package=str(v.get("package", "")),
                version=str(v.get("version", "")),
                severity=Severity.parse(str(v.get("severity", "high"))),
                fixed_in=_strs(v.get("fixed_in")),
                summary=str(v.get("summary", "")),
            )
            for v in entries
        ),
    )


def _parse_report(rep: Mapping[str, Any]) -> Report:
    findings = []
    for f in rep.get("findings") or ():
        item = _map(f, "report.findings[]")
        loc = _map(item.get("location"), "location")
        findings.append(
            Finding(
                rule_id=str(item["rule_id"]),
                severity=Severity.parse(str(item["severity"])),
                message=str(item.get("message", "")),
                location=Location(
                    path=str(loc.get("path", "")),
                    member=_opt_str(loc.get("member")),
                    offset=None if loc.get("offset") is None else int(loc["offset"]),
                    line=None if loc.get("line") is None else int(loc["line"]),
                    package=_opt_str(loc.get("package")),
                ),
                evidence=str(item.get("evidence", "")),
                refs=_strs(item.get("refs")),
            )
        )
    errors = [CheckError(str(e["path"]), str(e["message"])) for e in rep.get("errors") or ()]
    skipped = [Skipped(str(s["path"]), str(s["reason"])) for s in rep.get("skipped") or ()]
    return Report(tuple(findings), tuple(errors), tuple(skipped))
