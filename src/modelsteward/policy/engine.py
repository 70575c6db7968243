"""The policy engine: a passport and a policy in, a decision with its reasons out.

Order of work: every rule is evaluated; reasons covered by an active exception are waived
(expired exceptions are ignored and listed); the rest are sorted by their rule's mode, and
only ``enforce`` reasons decide the outcome. A policy without rules rejects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from modelsteward.findings import Location
from modelsteward.passport import Passport
from modelsteward.policy.model import Mode, Outcome, Policy, PolicyException, Role
from modelsteward.policy.rules import Reason, build_rule

EMPTY_POLICY_RULE = "policy.empty"
"""The reason id when a policy has no rules: an empty policy denies."""


@dataclass(frozen=True, slots=True)
class Waived:
    """A reason an active exception set aside."""

    reason: Reason
    exception: PolicyException


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The verdict on one passport."""

    model: str
    outcome: Outcome
    roles: tuple[Role, ...] = ()
    """Who must review, when the outcome is ``needs_review`` (also listed on reject)."""
    reasons: tuple[Reason, ...] = ()
    """The enforced reasons: these decided the outcome."""
    warnings: tuple[Reason, ...] = ()
    """Reasons of rules in ``warn`` mode: shown, not counted."""
    audited: tuple[Reason, ...] = ()
    """Reasons of rules in ``audit`` mode: recorded only."""
    waived: tuple[Waived, ...] = ()
    expired: tuple[PolicyException, ...] = ()
    """Exceptions that would have covered a reason but have expired."""
    policy_name: str = ""
    policy_digest: str = ""

    @property
    def denied(self) -> bool:
        """True when the policy rejects the model."""
        return self.outcome is Outcome.REJECT

    def to_dict(self) -> dict[str, object]:
        """The JSON ``decision`` object (see docs/policy.md)."""
        return {
            "outcome": self.outcome.value,
            "roles": [r.value for r in self.roles],
            "reasons": [r.to_dict() for r in self.reasons],
            "warnings": [r.to_dict() for r in self.warnings],
            "audited": [r.to_dict() for r in self.audited],
            "waived": [
                {**w.reason.to_dict(), "exception": _exception_dict(w.exception)}
                for w in self.waived
            ],
            "expired_exceptions": [_exception_dict(e) for e in self.expired],
            "policy": {"name": self.policy_name, "digest": self.policy_digest},
        }


def _exception_dict(e: PolicyException) -> dict[str, object]:
    return {
        "rule": e.rule,
        "scope": {"model": e.model, "path": e.path, "finding": e.finding},
        "reason": e.reason,
        "owner": e.owner,
        "expires": e.expires.isoformat(),
        "origin": e.origin,
    }


def evaluate(
    policy: Policy,
    passport: Passport,
    *,
    today: date | None = None,
    exceptions: Sequence[PolicyException] = (),
) -> Decision:
    """Decide on ``passport`` under ``policy``.

    ``exceptions`` are added to the policy's own (the registry's, for instance). ``today``
    decides which exceptions are active (default: the current UTC date). Never raises for
    anything in the passport.
    """
    day = today or datetime.now(UTC).date()
    model = passport.identity.name
    if not policy.rules:
        return _empty(policy, passport)
    raw = [r for spec in policy.rules for r in build_rule(spec, policy.mode).evaluate(passport)]
    every = (*policy.exceptions, *exceptions)
    kept: list[Reason] = []
    waived: list[Waived] = []
    expired: dict[PolicyException, None] = {}
    for reason in raw:
        covering = [e for e in every if _covers(e, reason, model)]
        active = next((e for e in covering if e.active(day)), None)
        if active is not None:
            waived.append(Waived(reason, active))
            continue
        expired.update(dict.fromkeys(covering))
        kept.append(reason)
    enforced = tuple(r for r in kept if r.mode is Mode.ENFORCE)
    outcome = max((r.outcome for r in enforced), key=lambda o: o.rank, default=Outcome.APPROVE)
    roles = sorted({role for r in enforced for role in r.roles}, key=lambda x: x.value)
    return Decision(
        model=model,
        outcome=outcome,
        roles=tuple(roles),
        reasons=enforced,
        warnings=tuple(r for r in kept if r.mode is Mode.WARN),
        audited=tuple(r for r in kept if r.mode is Mode.AUDIT),
        waived=tuple(waived),
        expired=tuple(expired),
        policy_name=policy.name,
        policy_digest=policy.digest,
    )


def _covers(exception: PolicyException, reason: Reason, model: str) -> bool:
    return exception.covers(
        rule=reason.rule, model=model, path=reason.location.path, finding=reason.finding
    )


def _empty(policy: Policy, passport: Passport) -> Decision:
    reason = Reason(
        rule=EMPTY_POLICY_RULE,
        outcome=Outcome.REJECT,
        message="The policy has no rules; an empty policy denies every model.",
        finding=EMPTY_POLICY_RULE,
        location=Location(path=policy.source),
    )
    return Decision(
        model=passport.identity.name,
        outcome=Outcome.REJECT,
        reasons=(reason,),
        policy_name=policy.name,
        policy_digest=policy.digest,
    )
