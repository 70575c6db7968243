"""The policy engine, rule by rule: (rules, passport) -> (outcome, roles, reasons)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from modelsteward.findings import Report, Severity
from modelsteward.passport import (
    CheckName,
    CheckState,
    CheckStatus,
    CodeFacts,
    Passport,
    SafetyFacts,
    UseFacts,
    VulnFacts,
)
from modelsteward.policy import Mode, Outcome, Role, default_policy, evaluate
from tests.policy.passports import (
    ALL_OK,
    make_license,
    make_passport,
    policy_of,
    scan_finding,
    vuln,
)

LICENSE = """\
  - id: lic
    kind: license.decision
    reject: [prohibited]
    review: [needs_review, conditional]
"""
FAMILY = """\
  - id: fam
    kind: license.family
    deny: [copyleft-*]
    allow: [permissive, copyleft-*]
    outcome: needs_review
"""
FLAGS = """\
  - id: flags
    kind: license.flags
    flags: [lineage_*]
    outcome: needs_review
"""
SCAN = """\
  - id: scan
    kind: scan.severity
    max: medium
"""
SCAN_RULES = """\
  - id: no-pickle
    kind: scan.rules
    deny: [scan.pickle.*]
"""
VULNS = """\
  - id: vul
    kind: vulns.limit
    severity: critical
    count: 0
"""
VULNS_COUNT = """\
  - id: vul3
    kind: vulns.limit
    severity: high
    count: 1
"""
SAFETY = """\
  - id: safe
    kind: safety.layer
"""
CHECKS = """\
  - id: complete
    kind: checks.complete
    outcome: needs_review
    require: [vulns]
"""
REVIEWS = """\
  - id: legal
    kind: review
    role: legal
    when: [license.obligations, license.threshold, license.conflict, license.uncertain]
  - id: security
    kind: review
    role: security
    when: [code.unverified, code.trust_remote_code]
  - id: safety
    kind: review
    role: safety
    when: [use.customer_facing]
"""

_checks_failed = tuple(
    replace(c, state=CheckState.FAILED, detail="boom") if c.name is CheckName.SCAN else c
    for c in ALL_OK
)
_vulns_not_run = tuple(
    replace(c, state=CheckState.NOT_REQUESTED) if c.name is CheckName.VULNS else c for c in ALL_OK
)


def _vf(*vulns: Any) -> VulnFacts:
    return VulnFacts(inventory="r.txt", packages=1, vulnerabilities=tuple(vulns))


def _facing(*, configured: bool) -> dict[str, Any]:
    return {
        "use": UseFacts(customer_facing=True),
        "safety": SafetyFacts(required=True, configured=configured),
    }


CASES: list[tuple[str, str, dict[str, Any], Outcome, set[Role], set[str]]] = [
    ("license allowed", LICENSE, {}, Outcome.APPROVE, set(), set()),
    ("license prohibited", LICENSE, {"license": make_license(decision="prohibited")},
     Outcome.REJECT, set(), {"lic"}),
    ("license conditional", LICENSE, {"license": make_license(decision="conditional")},
     Outcome.NEEDS_REVIEW, {Role.LEGAL}, {"lic"}),
    ("license missing fails closed", LICENSE, {"license": None},
     Outcome.NEEDS_REVIEW, {Role.LEGAL}, {"lic"}),
    ("family allowed", FAMILY, {}, Outcome.APPROVE, set(), set()),
    ("family denied", FAMILY, {"license": make_license(family="copyleft-strong")},
     Outcome.REJECT, set(), {"fam"}),
    ("family not allowed", FAMILY, {"license": make_license(family="proprietary")},
     Outcome.NEEDS_REVIEW, {Role.LEGAL}, {"fam"}),
    ("flag raised", FLAGS, {"license": make_license(flags=("lineage_license_conflict",))},
     Outcome.NEEDS_REVIEW, {Role.LEGAL}, {"flags"}),
    ("flag not listed", FLAGS, {"license": make_license(flags=("metadata_missing",))},
     Outcome.APPROVE, set(), set()),
    ("scan medium passes", SCAN,
     {"report": Report.of([scan_finding("scan.gguf.template", Severity.MEDIUM)])},
     Outcome.APPROVE, set(), set()),
    ("scan critical rejects", SCAN,
     {"report": Report.of([scan_finding("scan.pickle.unsafe-global", Severity.CRITICAL)])},
     Outcome.REJECT, set(), {"scan"}),
    ("inventory escape counts as scan", SCAN,
     {"report": Report.of([scan_finding("inventory.symlink.escape", Severity.HIGH)])},
     Outcome.REJECT, set(), {"scan"}),
    ("non-scan findings ignored by scan", SCAN,
     {"report": Report.of([scan_finding("license.text.modified", Severity.CRITICAL)])},
     Outcome.APPROVE, set(), set()),
    ("scan rule denied", SCAN_RULES,
     {"report": Report.of([scan_finding("scan.pickle.unknown-global", Severity.LOW)])},
     Outcome.REJECT, set(), {"no-pickle"}),
    ("critical advisory rejects", VULNS,
     {"vulns": _vf(vuln(Severity.CRITICAL))},
     Outcome.REJECT, set(), {"vul"}),
    ("high advisory passes a critical limit", VULNS,
     {"vulns": _vf(vuln(Severity.HIGH))},
     Outcome.APPROVE, set(), set()),
    ("one high within a count of one", VULNS_COUNT,
     {"vulns": _vf(vuln(Severity.HIGH))},
     Outcome.APPROVE, set(), set()),
    ("two highs over a count of one", VULNS_COUNT,
     {"vulns": VulnFacts(inventory="r.txt", packages=1,
                         vulnerabilities=(vuln(Severity.HIGH), vuln(Severity.CRITICAL, "X-2")))},
     Outcome.REJECT, set(), {"vul3"}),
    ("customer-facing without the safety layer", SAFETY,
     _facing(configured=False),
     Outcome.REJECT, set(), {"safe"}),
    ("customer-facing with the safety layer", SAFETY,
     _facing(configured=True),
     Outcome.APPROVE, set(), set()),
    ("a failed check goes to security", CHECKS, {"checks": _checks_failed},
     Outcome.NEEDS_REVIEW, {Role.SECURITY}, {"complete"}),
    ("a required check not run", CHECKS, {"checks": _vulns_not_run},
     Outcome.NEEDS_REVIEW, {Role.SECURITY}, {"complete"}),
    ("unrecorded checks count as unavailable", CHECKS, {"checks": ()},
     Outcome.NEEDS_REVIEW, {Role.SECURITY}, {"complete"}),
    ("no review needed", REVIEWS, {}, Outcome.APPROVE, set(), set()),
    ("obligations go to legal", REVIEWS,
     {"license": make_license(decision="conditional", obligations=("attribution",))},
     Outcome.NEEDS_REVIEW, {Role.LEGAL}, {"legal"}),
    ("threshold goes to legal", REVIEWS,
     {"license": make_license(decision="needs_separate_license")},
     Outcome.NEEDS_REVIEW, {Role.LEGAL}, {"legal"}),
    ("modified text goes to legal", REVIEWS, {"license": make_license(status="modified")},
     Outcome.NEEDS_REVIEW, {Role.LEGAL}, {"legal"}),
    ("custom code goes to security", REVIEWS, {"code": CodeFacts(custom_code=("modeling.py",))},
     Outcome.NEEDS_REVIEW, {Role.SECURITY}, {"security"}),
    ("trust_remote_code goes to security", REVIEWS, {"code": CodeFacts(trust_remote_code=True)},
     Outcome.NEEDS_REVIEW, {Role.SECURITY}, {"security"}),
    ("customer-facing goes to safety", REVIEWS, {"use": UseFacts(customer_facing=True)},
     Outcome.NEEDS_REVIEW, {Role.SAFETY}, {"safety"}),
    ("reject outranks review", LICENSE + SCAN,
     {"license": make_license(decision="conditional"),
      "report": Report.of([scan_finding("scan.pickle.unsafe-global", Severity.CRITICAL)])},
     Outcome.REJECT, {Role.LEGAL}, {"lic", "scan"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rules", "overrides", "outcome", "roles", "rule_ids"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_rule_decides(
    rules: str,
    overrides: dict[str, Any],
    outcome: Outcome,
    roles: set[Role],
    rule_ids: set[str],
) -> None:
    decision = evaluate(policy_of(rules), make_passport(**overrides), today=date(2026, 11, 27))
    assert decision.outcome is outcome
    assert set(decision.roles) == roles
    assert {r.rule for r in decision.reasons} == rule_ids
    assert decision.denied is (outcome is Outcome.REJECT)


def test_reason_points_at_the_finding_and_its_location() -> None:
    finding = scan_finding(
        "scan.pickle.unsafe-global", Severity.CRITICAL, member="archive/data.pkl"
    )
    decision = evaluate(policy_of(SCAN), make_passport(report=Report.of([finding])))
    (reason,) = decision.reasons
    assert reason.finding == "scan.pickle.unsafe-global"
    assert reason.location.path == "models/model/pytorch_model.bin"
    assert reason.location.member == "archive/data.pkl"
    assert reason.evidence == "posix.system"
    assert reason.to_dict()["location"] == {
        "path": "models/model/pytorch_model.bin",
        "member": "archive/data.pkl",
    }


def test_vulnerability_reason_names_the_advisory_and_package() -> None:
    facts = VulnFacts(inventory="req.txt", packages=1, vulnerabilities=(vuln(Severity.CRITICAL),))
    (reason,) = evaluate(policy_of(VULNS), make_passport(vulns=facts)).reasons
    assert (reason.finding, reason.evidence) == ("vuln.osv.affected", "PYSEC-1")
    assert reason.location.package == "vllm"


ALL_OF = """\
  - id: both
    kind: all_of
    rules:
      - {id: a, kind: scan.severity, max: high}
      - {id: b, kind: safety.layer}
"""
ANY_OF = """\
  - id: either
    kind: any_of
    outcome: reject
    rules:
      - {id: a, kind: license.family, allow: [permissive], outcome: reject}
      - {id: b, kind: review, role: legal, when: [use.commercial]}
"""


def test_all_of_collects_every_child_reason() -> None:
    passport = make_passport(
        report=Report.of([scan_finding("scan.pickle.x", Severity.CRITICAL)]),
        use=UseFacts(customer_facing=True),
        safety=SafetyFacts(required=True, configured=False),
    )
    decision = evaluate(policy_of(ALL_OF), passport)
    assert {r.rule for r in decision.reasons} == {"a", "b"}
    assert decision.outcome is Outcome.REJECT


@pytest.mark.parametrize(
    ("family", "commercial", "outcome"),
    [
        ("permissive", True, Outcome.APPROVE),  # first child satisfied
        ("weird", False, Outcome.APPROVE),  # second child satisfied
        ("weird", True, Outcome.REJECT),  # neither: every reason counts
    ],
)
def test_any_of_is_satisfied_by_one_child(family: str, commercial: bool, outcome: Outcome) -> None:
    passport = make_passport(
        license=make_license(family=family), use=UseFacts(commercial=commercial)
    )
    assert evaluate(policy_of(ANY_OF), passport).outcome is outcome


CRITICAL = {"report": Report.of([scan_finding("scan.pickle.unsafe-global", Severity.CRITICAL)])}


@pytest.mark.parametrize(
    ("mode", "outcome", "warnings", "audited"),
    [
        ("enforce", Outcome.REJECT, 0, 0),
        ("warn", Outcome.APPROVE, 1, 0),
        ("audit", Outcome.APPROVE, 0, 1),
    ],
)
def test_policy_modes(mode: str, outcome: Outcome, warnings: int, audited: int) -> None:
    decision = evaluate(policy_of(SCAN, mode=mode), make_passport(**CRITICAL))
    assert decision.outcome is outcome
    assert (len(decision.warnings), len(decision.audited)) == (warnings, audited)


def test_a_rule_mode_overrides_the_policy_mode() -> None:
    rules = SCAN + "    mode: warn\n" + LICENSE
    passport = make_passport(license=make_license(decision="prohibited"), **CRITICAL)
    decision = evaluate(policy_of(rules), passport)
    assert decision.outcome is Outcome.REJECT
    assert [r.rule for r in decision.reasons] == ["lic"]
    assert [(r.rule, r.mode) for r in decision.warnings] == [("scan", Mode.WARN)]


def _exc(expires: str, model: str = "org/*", finding: str = "scan.pickle.*") -> str:
    return (
        f"[{{rule: scan, scope: {{model: '{model}', finding: '{finding}'}},"
        f" reason: vetted by hand, owner: sec-team, expires: {expires}}}]"
    )


@pytest.mark.parametrize(
    ("exceptions", "outcome", "waived", "expired"),
    [
        (_exc("2026-12-31"), Outcome.APPROVE, 1, 0),
        (_exc("2026-11-27"), Outcome.APPROVE, 1, 0),  # active through its expiry day
        (_exc("2026-11-26"), Outcome.REJECT, 0, 1),  # expired: ignored, and listed
        (_exc("2026-12-31", model="other/*"), Outcome.REJECT, 0, 0),
        (_exc("2026-12-31", finding="scan.gguf.*"), Outcome.REJECT, 0, 0),
    ],
    ids=["active", "expires-today", "expired", "other-model", "other-finding"],
)
def test_exceptions(exceptions: str, outcome: Outcome, waived: int, expired: int) -> None:
    policy = policy_of(SCAN, exceptions=exceptions)
    decision = evaluate(policy, make_passport(**CRITICAL), today=date(2026, 11, 27))
    assert decision.outcome is outcome
    assert (len(decision.waived), len(decision.expired)) == (waived, expired)
    if waived:
        assert decision.waived[0].exception.owner == "sec-team"
        assert decision.to_dict()["waived"][0]["exception"]["expires"]  # type: ignore[index]


def test_extra_exceptions_come_from_the_caller() -> None:
    from modelsteward.policy import PolicyException

    extra = PolicyException(
        rule="scan", model="*", reason="r", owner="o", expires=date(2030, 1, 1), origin="registry"
    )
    decision = evaluate(policy_of(SCAN), make_passport(**CRITICAL), exceptions=[extra])
    assert decision.outcome is Outcome.APPROVE
    assert decision.waived[0].exception.origin == "registry"


def test_an_empty_policy_rejects() -> None:
    decision = evaluate(policy_of("  []"), make_passport())
    assert decision.outcome is Outcome.REJECT
    assert [r.rule for r in decision.reasons] == ["policy.empty"]


def _default(p: Passport) -> Outcome:
    return evaluate(default_policy(), p).outcome


def test_default_policy_encodes_the_strategy() -> None:
    assert _default(make_passport()) is Outcome.APPROVE
    assert _default(make_passport(**CRITICAL)) is Outcome.REJECT
    assert _default(make_passport(license=make_license(decision="prohibited"))) is Outcome.REJECT
    critical = VulnFacts(inventory="r", packages=1, vulnerabilities=(vuln(Severity.CRITICAL),))
    assert _default(make_passport(vulns=critical)) is Outcome.REJECT
    facing = make_passport(
        use=UseFacts(customer_facing=True), safety=SafetyFacts(required=True, configured=False)
    )
    assert _default(facing) is Outcome.REJECT
    review = evaluate(default_policy(), make_passport(license=make_license(flags=(
        "lineage_license_conflict",))))  # fmt: skip
    assert review.outcome is Outcome.NEEDS_REVIEW
    assert review.roles == (Role.LEGAL,)
    failed = make_passport(
        checks=(CheckStatus(name=CheckName.SCAN, state=CheckState.UNAVAILABLE), *ALL_OK[:1])
    )
    assert evaluate(default_policy(), failed).roles == (Role.SECURITY,)
