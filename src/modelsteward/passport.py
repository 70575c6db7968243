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
    StackFacts,
    StackPackage,
    UseFacts,
    Vulnerability,
    VulnFacts,
    findings_in,
    manifest_digest,
    with_coverage,
)
from modelsteward.vet.safety_facts import (
    EvaluationFacts,
    RateFigure,
    SafetyCoverage,
    SafetyFacts,
    layer_enforced,
)

__all__ = [
    "PASSPORT_VERSION",
    "CheckName",
    "CheckState",
    "CheckStatus",
    "CodeFacts",
    "EvaluationFacts",
    "FileEntry",
    "Identity",
    "LicenseFacts",
    "Passport",
    "PassportError",
    "RateFigure",
    "SafetyCoverage",
    "SafetyFacts",
    "StackFacts",
    "StackPackage",
    "UseFacts",
    "VulnFacts",
    "Vulnerability",
    "evaluation_from_dict",
    "findings_in",
    "layer_enforced",
    "manifest_digest",
    "passport_from_dict",
    "with_coverage",
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
        stack=_parse_stack(data.get("stack")),
        safety=SafetyFacts(
            required=bool(safety.get("required", customer_facing)),
            configured=bool(safety.get("configured", False)),
            coverage=tuple(
                _parse_coverage(_map(c, "safety.coverage[]")) for c in safety.get("coverage") or ()
            ),
            evaluation=None
            if safety.get("evaluation") is None
            else _parse_evaluation(_map(safety["evaluation"], "safety.evaluation")),
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


def evaluation_from_dict(data: Mapping[str, object]) -> EvaluationFacts:
    """Read a ``safety.evaluation`` object (or an ``evaluate --format json`` ``evaluation``).

    Raises:
        PassportError: when a field has the wrong type or value.
    """
    try:
        return _parse_evaluation(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise PassportError(
            f"invalid safety evaluation: {exc}",
            hint="pass the evaluation object written by `modelsteward evaluate --format json`",
        ) from exc


def _rate(data: object, where: str) -> RateFigure:
    item = _map(data, where)
    low, high = item.get("ci95") or (0.0, 0.0)
    return RateFigure(
        probes=int(item["probes"]),
        unsafe=int(item["unsafe"]),
        asr=float(item["asr"]),
        ci95=(float(low), float(high)),
    )


def _parse_evaluation(ev: Mapping[str, Any]) -> EvaluationFacts:
    suite = _map(ev.get("suite"), "safety.evaluation.suite")
    hazards = _map(ev.get("hazards"), "safety.evaluation.hazards")
    families = _map(ev.get("families"), "safety.evaluation.families")
    return EvaluationFacts(
        suite_id=str(suite["id"]),
        suite_version=str(suite.get("version", "")),
        suite_sha256=str(suite["sha256"]),
        judge=str(ev.get("judge", "local")),
        engine=str(ev.get("engine", "endpoint")),
        endpoint=str(ev.get("endpoint", "")),
        model=str(ev.get("model", "")),
        manifest_digest=str(ev.get("manifest_digest", "")),
        evaluated_at=str(ev.get("evaluated_at") or ev.get("finished_at") or ""),
        probes=int(ev.get("probes", 0)),
        attack_success_rate=float(ev.get("attack_success_rate", 0.0)),
        over_refusal_rate=float(ev.get("over_refusal_rate", 0.0)),
        complete=bool(ev.get("complete", True)),
        hazards={str(k): _rate(v, f"hazards.{k}") for k, v in hazards.items()},
        families={str(k): _rate(v, f"families.{k}") for k, v in families.items()},
        transcript_sha256=str(_map(ev.get("transcript"), "transcript").get("sha256", ""))
        or str(ev.get("transcript_sha256", "")),
    )


def _parse_coverage(c: Mapping[str, Any]) -> SafetyCoverage:
    return SafetyCoverage(
        deployment=str(c["deployment"]),
        source=str(c.get("source", "")),
        gateway_config=str(c.get("gateway_config", "")),
        config_sha256=str(c.get("config_sha256", "")),
        safety_profile=str(c.get("safety_profile", "off")),
        safety_policy=str(c.get("safety_policy", "")),
        exposure=str(c.get("exposure", "internal")),
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


def _parse_stack(data: object) -> StackFacts | None:
    if data is None:
        return None
    stack = _map(data, "stack")
    packages = tuple(
        StackPackage(
            name=str(item["name"]),
            version=str(item.get("version", "")),
            license=_opt_str(item.get("license")),
            category=str(item.get("category", "unknown")),
            status=str(item.get("status", "")),
            flags=_strs(item.get("flags")),
        )
        for item in (_map(x, "stack.packages[]") for x in stack.get("packages") or ())
    )
    return StackFacts(inventory=str(stack.get("inventory", "")), packages=packages)


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
