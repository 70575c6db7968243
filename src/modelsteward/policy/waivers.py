"""Who may waive a policy rule, and for how long: the terms of a registry exception.

A registry exception names one leaf rule of the policy. The roles that must approve it are
the rule's ``exception_roles`` when the policy lists them, else by kind: legal for license
rules, security for scan, advisory and completeness rules, safety for the safety layer,
and the reviewing role for ``review`` rules. It may run at most ``exception_max_days``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from modelsteward.policy.model import Policy, PolicyError, Role, RuleKind, RuleSpec
from modelsteward.policy.rules import _DEFAULT_ROLE as ROLE_BY_KIND


@dataclass(frozen=True, slots=True)
class WaiverTerms:
    """What an exception to one rule needs."""

    rule: str
    roles: tuple[Role, ...]
    """Every one of these roles approves, each by a different person, never the requester."""
    max_days: int

    def latest_expiry(self, today: date) -> date:
        """The last day an exception requested on ``today`` may hold."""
        return today + timedelta(days=self.max_days)


def waiver_terms(policy: Policy, rule_id: str) -> WaiverTerms:
    """The terms of an exception to ``rule_id`` under ``policy``.

    Raises:
        PolicyError: when the policy has no such rule, or it is an ``all_of``/``any_of``
            (its reasons carry the ids of its leaf rules).
    """
    spec = next((r for r in _leaves_and_groups(policy.rules) if r.id == rule_id), None)
    if spec is None:
        known = ", ".join(r.id for r in _leaves_and_groups(policy.rules) if not r.rules)
        raise PolicyError(
            f"policy {policy.name} has no rule {rule_id!r}",
            hint=f"name one of its rules: {known}",
        )
    if spec.rules:
        leaves = ", ".join(r.id for r in _leaves_and_groups(spec.rules) if not r.rules)
        raise PolicyError(
            f"rule {rule_id!r} groups other rules; an exception names one of them",
            hint=f"use one of: {leaves}",
        )
    return WaiverTerms(rule=spec.id, roles=_roles(spec), max_days=policy.exception_max_days)


def _roles(spec: RuleSpec) -> tuple[Role, ...]:
    if spec.exception_roles:
        return tuple(dict.fromkeys(spec.exception_roles))
    if spec.kind is RuleKind.REVIEW:
        return (spec.role or Role.ADMIN,)
    return (ROLE_BY_KIND[spec.kind],)


def _leaves_and_groups(rules: Sequence[RuleSpec]) -> Iterator[RuleSpec]:
    for rule in rules:
        yield rule
        yield from _leaves_and_groups(rule.rules)
