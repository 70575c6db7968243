"""Policy rules: each reads a passport and returns the reasons it objects, if any.

A rule is a frozen value with ``evaluate(passport) -> tuple[Reason, ...]``; an empty tuple
means the rule is satisfied. ``AllOf`` objects with every reason of its children; ``AnyOf`` is
satisfied when one child is. Every reason names the policy rule and points at the finding (or
passport fact) behind it, with its location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, assert_never

from modelsteward.findings import Location
from modelsteward.passport import Passport
from modelsteward.policy.checks import CHECKS, Check, Hit
from modelsteward.policy.model import Mode, Outcome, Role, RuleKind, RuleSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """Why a rule objects: the rule, the outcome it asks for, and the finding behind it."""

    rule: str
    """The policy rule id."""
    outcome: Outcome
    message: str
    finding: str
    """The rule id of the finding (``scan.pickle.unsafe-global``) or passport fact
    (``license.decision``) the reason points at."""
    location: Location
    evidence: str = ""
    roles: tuple[Role, ...] = ()
    mode: Mode = Mode.ENFORCE

    def to_dict(self) -> dict[str, object]:
        """The JSON form used in ``decision.reasons``."""
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "message": self.message,
            "finding": self.finding,
            "location": self.location.to_dict(),
            "evidence": self.evidence,
            "roles": [r.value for r in self.roles],
            "mode": self.mode.value,
        }


class PolicyRule(Protocol):
    """One rule of a policy."""

    @property
    def id(self) -> str:
        """The rule id from the policy file."""
        ...

    def evaluate(self, passport: Passport) -> tuple[Reason, ...]:
        """The reasons this rule objects to ``passport``; empty when it is satisfied."""
        ...


@dataclass(frozen=True, slots=True)
class AllOf:
    """Satisfied when every child is; objects with all of their reasons."""

    id: str
    children: tuple[PolicyRule, ...]

    def evaluate(self, passport: Passport) -> tuple[Reason, ...]:
        """Every reason of every child."""
        return tuple(r for child in self.children for r in child.evaluate(passport))


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Satisfied when at least one child is; otherwise objects with all children's reasons."""

    id: str
    children: tuple[PolicyRule, ...]

    def evaluate(self, passport: Passport) -> tuple[Reason, ...]:
        """Nothing when a child is satisfied, else every child's reasons."""
        found: list[Reason] = []
        for child in self.children:
            reasons = child.evaluate(passport)
            if not reasons:
                return ()
            found.extend(reasons)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class SpecRule:
    """A leaf rule: a spec from the file and the check function of its kind."""

    id: str
    spec: RuleSpec
    mode: Mode
    check: Check
    """The function of the rule's kind, from ``policy.checks.CHECKS``."""

    def evaluate(self, passport: Passport) -> tuple[Reason, ...]:
        """One reason per hit of the check."""
        return tuple(self._reason(hit) for hit in self.check(self.spec, passport))

    def _reason(self, hit: Hit) -> Reason:
        outcome = hit.outcome or Outcome(self.spec.outcome)
        roles: tuple[Role, ...] = ()
        if outcome is Outcome.NEEDS_REVIEW:
            roles = (self.spec.role or hit.role or _DEFAULT_ROLE[self.spec.kind],)
        return Reason(
            rule=self.id,
            outcome=outcome,
            message=hit.message,
            finding=hit.finding,
            location=hit.location,
            evidence=hit.evidence,
            roles=roles,
            mode=self.mode,
        )


def build_rule(spec: RuleSpec, default_mode: Mode) -> PolicyRule:
    """Turn a validated spec into a rule; a composite passes its mode down to its children."""
    mode = spec.mode or default_mode
    match spec.kind:
        case RuleKind.ALL_OF:
            return AllOf(spec.id, tuple(build_rule(s, mode) for s in spec.rules))
        case RuleKind.ANY_OF:
            return AnyOf(spec.id, tuple(build_rule(s, mode) for s in spec.rules))
        case (
            RuleKind.LICENSE_DECISION
            | RuleKind.LICENSE_FAMILY
            | RuleKind.LICENSE_FLAGS
            | RuleKind.SCAN_SEVERITY
            | RuleKind.SCAN_RULES
            | RuleKind.VULNS_LIMIT
            | RuleKind.STACK_LICENSES
            | RuleKind.SAFETY_LAYER
            | RuleKind.CHECKS_COMPLETE
            | RuleKind.REVIEW
        ):
            return SpecRule(spec.id, spec, mode, CHECKS[spec.kind])
        case _:
            assert_never(spec.kind)


_DEFAULT_ROLE: dict[RuleKind, Role] = {
    RuleKind.LICENSE_DECISION: Role.LEGAL,
    RuleKind.LICENSE_FAMILY: Role.LEGAL,
    RuleKind.LICENSE_FLAGS: Role.LEGAL,
    RuleKind.SCAN_SEVERITY: Role.SECURITY,
    RuleKind.SCAN_RULES: Role.SECURITY,
    RuleKind.VULNS_LIMIT: Role.SECURITY,
    RuleKind.STACK_LICENSES: Role.LEGAL,
    RuleKind.SAFETY_LAYER: Role.SAFETY,
    RuleKind.CHECKS_COMPLETE: Role.SECURITY,
    RuleKind.REVIEW: Role.ADMIN,
    RuleKind.ALL_OF: Role.ADMIN,
    RuleKind.ANY_OF: Role.ADMIN,
}
