"""Recording vetted passports in the registry."""

from __future__ import annotations

from datetime import UTC, datetime

from modelsteward.passport import Passport
from modelsteward.policy import Decision, Outcome, PolicyException
from modelsteward.registry import RegistryService


def registry_exceptions(service: RegistryService) -> tuple[PolicyException, ...]:
    """The registry's active exceptions, as policy exceptions scoped by model name."""
    today = datetime.now(UTC).date()
    return tuple(
        PolicyException(
            rule=e.rule_id,
            model=e.scope,
            reason=e.reason,
            owner=e.owner,
            expires=e.expires,
            origin="registry",
        )
        for e in service.active_exceptions(today)
    )


def record_passport(
    service: RegistryService, passport: Passport, decision: Decision, actor: str
) -> int:
    """Register the model, store its passport and decision, and open an approval request
    when reviewers are needed. Returns the model id.

    Raises:
        RegistryError: when the registry refuses the record.
    """
    ident = passport.identity
    model = service.add_model(
        ident.name,
        source=ident.source,
        revision=ident.revision or "",
        files=passport.manifest,
        actor=actor,
    )
    service.record_passport(
        model.id,
        {**passport.to_dict(), "decision": decision.to_dict()},
        decision.outcome.value,
        [r.value for r in decision.roles],
        [
            f"{r.rule}: {r.finding} at {r.location.describe()}: {r.message}"
            for r in decision.reasons
        ],
        actor,
    )
    if decision.outcome is Outcome.NEEDS_REVIEW:
        service.request_approval(model.id, actor)
    return model.id
