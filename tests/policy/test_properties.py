"""Properties of the engine over generated passports."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.findings import Report, Severity
from modelsteward.passport import CodeFacts, Passport, UseFacts
from modelsteward.policy import Outcome, default_policy, evaluate
from tests.policy.passports import make_license, make_passport, scan_finding

POLICY = default_policy()
DECISIONS = ["allowed", "conditional", "needs_separate_license", "prohibited", "needs_review"]

passports = st.builds(
    lambda decision, flags, severities, facing, code: make_passport(
        license=make_license(decision=decision, flags=tuple(flags)),
        report=Report.of(scan_finding("scan.x.y", s) for s in severities),
        use=UseFacts(customer_facing=facing),
        code=CodeFacts(trust_remote_code=code),
    ),
    st.sampled_from(DECISIONS),
    st.lists(st.sampled_from(["lineage_license_conflict", "metadata_missing"]), max_size=2),
    st.lists(st.sampled_from(list(Severity)), max_size=3),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(passports)
def test_every_non_approval_has_a_reason_and_review_names_a_role(passport: Passport) -> None:
    decision = evaluate(POLICY, passport)
    if decision.outcome is Outcome.APPROVE:
        assert not decision.reasons
    else:
        assert decision.reasons
        assert all(r.finding and r.location.path for r in decision.reasons)
    if decision.outcome is Outcome.NEEDS_REVIEW:
        assert decision.roles


@settings(max_examples=100, deadline=None)
@given(passports, st.sampled_from(list(Severity)))
def test_another_finding_never_improves_the_outcome(passport: Passport, severity: Severity) -> None:
    policy = POLICY
    before = evaluate(policy, passport).outcome
    worse = Report.of([*passport.report.findings, scan_finding("scan.x.z", severity)])
    after = evaluate(policy, make_passport(**{**_fields(passport), "report": worse})).outcome
    assert after.rank >= before.rank


def _fields(p: Passport) -> dict[str, object]:
    return {"license": p.license, "use": p.use, "code": p.code}
