"""The ``stack.licenses`` rule over the passport's stack section."""

from __future__ import annotations

from modelsteward.passport import StackFacts, StackPackage, passport_from_dict
from modelsteward.policy import Outcome, evaluate
from tests.policy.passports import make_passport, policy_of

STACK = """\
  - id: stack
    kind: stack.licenses
    outcome: needs_review
    role: legal
    deny: [license.stack.network-copyleft, license.stack.non-commercial]
"""


def _stack(*packages: StackPackage) -> StackFacts:
    return StackFacts(inventory="serving/.venv", packages=packages)


AGPL = StackPackage(
    name="ghostscript-py",
    version="1.0",
    license="AGPL-3.0-only",
    category="network-copyleft",
    status="declared",
    flags=("license.stack.network-copyleft",),
)
LGPL = StackPackage(
    name="psycopg",
    version="3.2",
    license="LGPL-3.0-only",
    category="weak-copyleft",
    status="declared",
    flags=("license.stack.weak-copyleft",),
)


def test_network_copyleft_in_the_stack_goes_to_review_with_the_package() -> None:
    decision = evaluate(policy_of(STACK), make_passport(stack=_stack(AGPL, LGPL)))
    assert decision.outcome is Outcome.NEEDS_REVIEW
    (reason,) = decision.reasons
    assert (reason.finding, reason.evidence) == ("license.stack.network-copyleft", "AGPL-3.0-only")
    assert reason.location.package == "ghostscript-py"


def test_a_stack_without_denied_flags_passes() -> None:
    decision = evaluate(policy_of(STACK), make_passport(stack=_stack(LGPL)))
    assert decision.outcome is Outcome.APPROVE
    assert evaluate(policy_of(STACK), make_passport()).outcome is Outcome.APPROVE


def test_stack_section_round_trips_through_the_passport_json() -> None:
    passport = make_passport(stack=_stack(AGPL))
    again = passport_from_dict(passport.to_dict())
    assert again.stack == passport.stack
