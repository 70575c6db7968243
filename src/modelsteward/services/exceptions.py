"""Request a policy exception on the policy's terms: the rule must exist, the policy names
the reviewers, and the expiry is bounded by the policy's maximum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from modelsteward.policy import Policy, waiver_terms
from modelsteward.registry import ExceptionRecord, RegistryService, Role


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionAsk:
    """What a requester asks to waive."""

    rule_id: str
    model: str
    """The registered model's name or id; the exception binds to its current files."""
    finding: str
    """Glob over the rule id of the finding (``scan.pickle.unsafe-global``)."""
    path: str
    """Glob over the file path inside the model (``pytorch_model.bin``), or ``*``."""
    reason: str
    owner: str
    expires: date


def request_exception(
    registry: RegistryService,
    policy: Policy,
    ask: ExceptionAsk,
    actor: str,
    *,
    today: date | None = None,
) -> ExceptionRecord:
    """Record ``ask`` as a request the policy's reviewers for its rule must approve.

    Raises:
        PolicyError: when the policy has no such (leaf) rule.
        NotFoundError: when the model is not registered.
        RegistryError: when a field is empty or the expiry is out of the policy's bounds.
    """
    terms = waiver_terms(policy, ask.rule_id)
    day = today or datetime.now(UTC).date()
    draft = ExceptionRecord(
        id=0,
        rule_id=terms.rule,
        scope=ask.model,
        finding=ask.finding,
        path=ask.path,
        reason=ask.reason,
        owner=ask.owner,
        expires=ask.expires,
        actor=actor,
        created_at="",
        required_roles=tuple(Role(r.value) for r in terms.roles),
    )
    return registry.request_exception(draft, ask.model, latest_expiry=terms.latest_expiry(day))
