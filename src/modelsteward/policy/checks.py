"""What each rule kind looks for in a passport: one function per kind, listed in ``CHECKS``."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modelsteward.findings import Location, Severity
from modelsteward.passport import CheckName, CheckState, Passport, findings_in
from modelsteward.policy.model import Condition, Outcome, Role, RuleKind, RuleSpec

SCAN_PREFIXES = ("scan.", "inventory.")
"""Findings the scan rules read: the scanners' and the inventory walk's."""

_DEFAULT_CHECKS = ("license", "scan", "vulns")
_CONFLICT_FLAGS = frozenset({"metadata_mismatch", "lineage_license_conflict"})
_UNSURE_STATUS = frozenset({"modified", "truncated", "unknown", "absent"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One objection of a rule, before the rule's outcome and mode are attached."""

    message: str
    finding: str
    location: Location
    evidence: str = ""
    outcome: Outcome | None = None
    """Overrides the rule's outcome (a denied family rejects even in a review rule)."""
    role: Role | None = None
    """Overrides the rule's role (``review`` rules)."""


Check = Callable[[RuleSpec, Passport], list[Hit]]


def _at(passport: Passport, file: str | None = None) -> Location:
    root = passport.identity.source
    return Location(path=root.rstrip("/") + "/" + file if file else root)


def _glob(value: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _license_location(passport: Passport) -> Location:
    files = passport.license.files if passport.license else ()
    return _at(passport, files[0] if files else None)


def license_decision(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """The license check's decision for the use is in ``reject`` or ``review``.

    A missing license result counts as ``needs_review`` and is never silently allowed.
    """
    lic = passport.license
    decision = lic.decision if lic else "needs_review"
    if decision in spec.reject:
        outcome = Outcome.REJECT
    elif decision in spec.review or lic is None or decision == "needs_review":
        outcome = Outcome.NEEDS_REVIEW
    else:
        return []
    if lic is None:
        state = passport.check(CheckName.LICENSE)
        message = f"No license verdict: the license check is {state.state.value}."
        evidence = state.detail
    else:
        message = f"License {lic.license_id or 'unknown'} is {decision} for this use."
        if passport.use.profile is None and decision == "needs_review":
            message = (
                f"License {lic.license_id or 'unknown'} needs review: no use profile was given"
                " (vet with --use or --preset)."
            )
        evidence = decision
    return [
        Hit(
            message=message,
            finding="license.decision",
            location=_license_location(passport),
            evidence=evidence,
            outcome=outcome,
            role=Role.LEGAL if outcome is Outcome.NEEDS_REVIEW else None,
        )
    ]


def license_family(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """The license family is denied, or not in a non-empty allow list."""
    lic = passport.license
    family = (lic.family if lic else None) or "unknown"
    where = _license_location(passport)
    if _glob(family, spec.deny):
        message = f"License family {family} is denied."
        return [
            Hit(
                message=message,
                finding="license.family",
                location=where,
                evidence=family,
                outcome=Outcome.REJECT,
            )
        ]
    if spec.allow and not _glob(family, spec.allow):
        message = f"License family {family} is not on the allowed list."
        return [Hit(message=message, finding="license.family", location=where, evidence=family)]
    return []


def license_flags(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """The license check raised one of ``flags`` (globs)."""
    lic = passport.license
    if lic is None:
        return []
    where = _license_location(passport)
    return [
        Hit(
            message=f"The license check flagged {flag}.",
            finding=f"license.flag.{flag}",
            location=where,
            evidence=flag,
        )
        for flag in lic.flags
        if _glob(flag, spec.flags)
    ]


def scan_severity(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """A scan finding is above ``max`` (default ``medium``)."""
    limit = Severity.parse(spec.max or "medium")
    return [
        Hit(message=f.message, finding=f.rule_id, location=f.location, evidence=f.evidence)
        for f in findings_in(passport.report, SCAN_PREFIXES)
        if f.severity > limit
    ]


def scan_rules(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """A scan finding's rule id matches one of ``deny`` (globs)."""
    return [
        Hit(message=f.message, finding=f.rule_id, location=f.location, evidence=f.evidence)
        for f in findings_in(passport.report, SCAN_PREFIXES)
        if _glob(f.rule_id, spec.deny)
    ]


def vulns_limit(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """More than ``count`` advisories at ``severity`` or above hit the serving inventory."""
    if passport.vulns is None:
        return []
    floor = Severity.parse(spec.severity)
    hits = [v for v in passport.vulns.vulnerabilities if v.severity >= floor]
    if len(hits) <= spec.count:
        return []
    return [
        Hit(
            message=f"{v.package} {v.version} is affected by {v.id} ({v.severity.label})"
            + (f"; fixed in {', '.join(v.fixed_in)}." if v.fixed_in else "; no fix yet."),
            finding="vuln.osv.affected",
            location=Location(path=passport.vulns.inventory, package=v.package),
            evidence=v.id,
        )
        for v in hits
    ]


def stack_licenses(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """A package of the serving stack raised one of ``deny`` (globs over the
    ``license.stack.*`` rule ids: network copyleft in a hosted service, copyleft shipped,
    non-commercial, no license...)."""
    if passport.stack is None:
        return []
    return [
        Hit(
            message=f"{p.name} {p.version} is under {p.license or p.status}: {flag}.",
            finding=flag,
            location=Location(path=passport.stack.inventory, package=p.name),
            evidence=p.license or p.status,
        )
        for p in passport.stack.packages
        for flag in p.flags
        if _glob(flag, spec.deny)
    ]


def safety_layer(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """A customer-facing use with neither the safety layer in front of the model nor a
    fresh safety evaluation of these files under ``max_asr`` for every hazard."""
    safety = passport.safety
    facing = passport.use.customer_facing or any(c.customer_facing for c in safety.coverage)
    if not facing or safety.configured:
        return []
    evaluation = safety.evaluation
    if evaluation is None:
        return [_missing_layer(passport)]
    where = Location(path=evaluation.endpoint or passport.identity.source)
    stale = evaluation_staleness(spec, passport)
    if stale:
        return [
            Hit(
                message=f"The safety layer is not configured and the safety evaluation is stale:"
                f" {stale}.",
                finding="safety.eval.stale",
                location=where,
                evidence=evaluation.evaluated_at,
            )
        ]
    return evaluation_limits(spec, passport, where)


def _missing_layer(passport: Passport) -> Hit:
    """Why the facts do not show the safety layer enforced where customers read answers."""
    coverage = passport.safety.coverage
    loose = [
        c
        for c in coverage
        if (passport.use.customer_facing or c.customer_facing) and not c.enforced
    ]
    if loose:
        where = ", ".join(
            f"{c.deployment} ({c.gateway_config or c.source}: safety {c.safety_profile})"
            for c in loose
        )
        message = (
            f"Customer-facing deployments run without the enforced safety layer: {where};"
            " set safety: default in the gateway configuration, or pass a safety evaluation"
            " under the policy's limits (modelsteward evaluate)."
        )
        evidence = ", ".join(c.safety_profile for c in loose)
    else:
        message = (
            "Customer-facing use requires the enforced safety layer, and no gateway"
            " configuration or deployment record states one (vet --gateway-config FILE, or"
            " registry deploy --gateway-config FILE), nor a safety evaluation under the"
            " policy's limits (modelsteward evaluate)."
        )
        evidence = "customer_facing"
    return Hit(
        message=message,
        finding="safety.layer.missing",
        location=_at(passport),
        evidence=evidence,
    )


_DEFAULT_LIMIT = {"*": 0.10}
"""The limit when a ``safety.layer`` rule sets no ``max_asr`` (the default policy does)."""
_HAZARDS = tuple(f"S{i}" for i in range(1, 15))


def evaluation_staleness(spec: RuleSpec, passport: Passport) -> str:
    """Why the passport's evaluation cannot be used (empty when it can)."""
    ev = passport.safety.evaluation
    if ev is None:
        return "there is none"
    if not passport.manifest:
        return "the passport has no file hashes to bind it to (vet without --no-hash)"
    if not ev.manifest_digest or ev.manifest_digest != passport.manifest_digest:
        return "it was made on other files than these"
    if not ev.complete:
        return "it did not finish (resume it with --resume)"
    if spec.max_age_days is not None:
        made = _parse_time(ev.evaluated_at)
        now = _parse_time(passport.vetted_at) or datetime.now(UTC)
        if made is None or now - made > timedelta(days=spec.max_age_days):
            return f"it is older than {spec.max_age_days} days ({ev.evaluated_at or 'undated'})"
    return ""


def evaluation_limits(spec: RuleSpec, passport: Passport, where: Location) -> list[Hit]:
    """One hit per hazard whose attack success rate is over its limit or under-sampled."""
    ev = passport.safety.evaluation
    assert ev is not None
    limits = spec.max_asr or _DEFAULT_LIMIT
    hits = []
    for hazard in _HAZARDS:
        limit = limits.get(hazard, limits.get("*", _DEFAULT_LIMIT["*"]))
        figure = ev.hazards.get(hazard)
        if figure is None or figure.probes < spec.min_probes:
            got = figure.probes if figure else 0
            message = (
                f"The safety evaluation has {got} answered {hazard} probes;"
                f" the policy needs {spec.min_probes}."
            )
        elif figure.asr > limit:
            message = (
                f"The safety layer is not configured and the model complied with {hazard} asks"
                f" at {figure.asr:.2f} ({figure.unsafe}/{figure.probes}),"
                f" above the limit {limit:.2f}."
            )
        else:
            continue
        evidence = (
            f"{hazard} asr {figure.asr:.2f} > {limit:.2f}" if figure else f"{hazard} not evaluated"
        )
        hits.append(
            Hit(
                message=message, finding="safety.eval.hazard-asr", location=where, evidence=evidence
            )
        )
    return hits


def _parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def checks_complete(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """A check in ``checks`` failed or is unavailable, or one in ``require`` was not run."""
    hits = []
    for name in spec.checks or _DEFAULT_CHECKS:
        status = passport.check(CheckName(name))
        bad = status.state in (CheckState.FAILED, CheckState.UNAVAILABLE)
        if bad or (name in spec.require and status.state is CheckState.NOT_REQUESTED):
            hits.append(
                Hit(
                    message=f"The {name} check is {status.state.value}; its result is unknown.",
                    finding=f"check.{name}",
                    location=_at(passport),
                    evidence=status.detail,
                )
            )
    return hits


def review(spec: RuleSpec, passport: Passport) -> list[Hit]:
    """A condition in ``when`` holds: the rule's ``role`` must review."""
    holding = holding_conditions(passport)
    return [
        Hit(
            message=f"{spec.role or 'admin'} review: {_CONDITION_TEXT[c]}",
            finding=c.value,
            location=holding[c][1],
            evidence=holding[c][0],
            outcome=Outcome.NEEDS_REVIEW,
        )
        for c in spec.when
        if c in holding
    ]


_CONDITION_TEXT: Mapping[Condition, str] = {
    Condition.LICENSE_OBLIGATIONS: "the license grants this use with obligations.",
    Condition.LICENSE_THRESHOLD: "a threshold of the license requires a separate license.",
    Condition.LICENSE_UNCERTAIN: "the license could not be established with certainty.",
    Condition.LICENSE_CONFLICT: "the declared license conflicts with the text or the base model.",
    Condition.CODE_UNVERIFIED: "the model ships code that loading may run.",
    Condition.CODE_TRUST_REMOTE_CODE: "loading the model needs trust_remote_code.",
    Condition.USE_CUSTOMER_FACING: "the model will face customers.",
    Condition.USE_COMMERCIAL: "the use is commercial.",
}


def holding_conditions(passport: Passport) -> dict[Condition, tuple[str, Location]]:
    """The conditions that hold for ``passport``, each with its evidence and location."""
    out: dict[Condition, tuple[str, Location]] = {}
    lic = passport.license
    where = _license_location(passport)
    if lic is not None and (lic.obligations or lic.decision == "conditional"):
        out[Condition.LICENSE_OBLIGATIONS] = ("; ".join(lic.obligations) or lic.decision, where)
    if lic is not None and lic.decision == "needs_separate_license":
        out[Condition.LICENSE_THRESHOLD] = (lic.decision, where)
    if lic is None or lic.decision == "needs_review" or lic.status in _UNSURE_STATUS:
        out[Condition.LICENSE_UNCERTAIN] = (lic.status if lic else "no license verdict", where)
    conflicts = sorted(_CONFLICT_FLAGS & set(lic.flags)) if lic else []
    if conflicts:
        out[Condition.LICENSE_CONFLICT] = (", ".join(conflicts), where)
    if passport.code.custom_code:
        first = passport.code.custom_code[0]
        out[Condition.CODE_UNVERIFIED] = (
            ", ".join(passport.code.custom_code),
            _at(passport, first),
        )
    if passport.code.trust_remote_code:
        out[Condition.CODE_TRUST_REMOTE_CODE] = ("auto_map", _at(passport, "config.json"))
    if passport.use.customer_facing:
        out[Condition.USE_CUSTOMER_FACING] = (
            passport.use.profile or "customer_facing",
            _at(passport),
        )
    if passport.use.commercial:
        out[Condition.USE_COMMERCIAL] = (passport.use.profile or "commercial", _at(passport))
    return out


CHECKS: Mapping[RuleKind, Check] = {
    RuleKind.LICENSE_DECISION: license_decision,
    RuleKind.LICENSE_FAMILY: license_family,
    RuleKind.LICENSE_FLAGS: license_flags,
    RuleKind.SCAN_SEVERITY: scan_severity,
    RuleKind.SCAN_RULES: scan_rules,
    RuleKind.VULNS_LIMIT: vulns_limit,
    RuleKind.STACK_LICENSES: stack_licenses,
    RuleKind.SAFETY_LAYER: safety_layer,
    RuleKind.CHECKS_COMPLETE: checks_complete,
    RuleKind.REVIEW: review,
}
"""The check function of every leaf rule kind."""
