"""The model passport: what a model is, what its checks found, and what it will be used for.

A passport is plain data built by ``vet``; the policy engine turns it into a decision and the
registry stores it. ``Passport.to_dict`` gives the JSON contract (docs/vet.md) and
``passport_from_dict`` reads it back (policy test fixtures, the registry).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelsteward.errors import StewardError
from modelsteward.findings import CheckError, Finding, Location, Report, Severity, Skipped
from modelsteward.vet.model import (
    PASSPORT_VERSION,
    CheckName,
    CheckState,
    CheckStatus,
    CodeFacts,
    FileEntry,
    Identity,
    LicenseFacts,
    Passport,
    SafetyFacts,
    UseFacts,
    Vulnerability,
    VulnFacts,
    findings_in,
)

__all__ = [
    "PASSPORT_VERSION",
    "CheckName",
    "CheckState",
    "CheckStatus",
    "CodeFacts",
    "FileEntry",
    "Identity",
    "LicenseFacts",
    "Passport",
    "PassportError",
    "SafetyFacts",
    "UseFacts",
    "VulnFacts",
    "Vulnerability",
    "findings_in",
    "passport_from_dict",
]


class PassportError(StewardError):
    """A passport document (a fixture, a stored passport) cannot be read."""


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
