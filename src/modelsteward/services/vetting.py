"""Vet and record: one decision path for ``vet``, ``vet --record`` and every other edge.

The decision on a passport is the policy plus the registry's approved exceptions for that
model's exact files, as the audit chain records them. A dry run and a record compute it the
same way, so the dry run predicts the recorded decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from modelsteward.passport import Passport, SafetyCoverage, with_coverage
from modelsteward.policy import Decision, Outcome, Policy, PolicyException, evaluate
from modelsteward.registry import (
    ApprovalRequest,
    ExceptionRecord,
    RegistryService,
    manifest_digest,
    open_registry,
)
from modelsteward.registry.recording import Vetted
from modelsteward.registry.store.interface import MissingRegistryError


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """What ``record`` stored for one passport."""

    model_id: int
    model: str
    passport_version: int
    decision: Outcome
    request: ApprovalRequest | None
    """The approval request opened for a ``needs_review`` decision."""
    created: bool = True
    """False when the same passport (files, versions, decision) was already in force."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form (``vet --record``'s ``recorded`` list)."""
        req = self.request
        return {
            "model_id": self.model_id,
            "model": self.model,
            "passport_version": self.passport_version,
            "decision": self.decision.value,
            "created": self.created,
            "request": None
            if req is None
            else {
                "id": req.id,
                "state": req.state.value,
                "required_roles": [r.value for r in req.required_roles],
                "missing_roles": [r.value for r in req.missing_roles],
            },
        }


def open_existing(dsn: str, *, audit_key: bytes | None = None) -> RegistryService | None:
    """The registry at ``dsn`` for reading, or None when no SQLite file exists there yet.

    Raises:
        StoreError: when it exists but cannot be opened, or a server cannot be reached.
    """
    try:
        return open_registry(dsn, create=False, audit_key=audit_key)
    except MissingRegistryError:
        return None


def waivers_for(
    registry: RegistryService | None, passport: Passport, today: date
) -> tuple[PolicyException, ...]:
    """The registry exceptions that hold for exactly this passport's files, as policy
    exceptions whose path globs are anchored at the model's source path.

    Raises:
        RegistryError: when the audit chain is broken.
    """
    files = passport.manifest
    if registry is None or not files:
        return ()
    name = passport.identity.name
    found = registry.waivers(name, manifest_digest(files), today)
    return tuple(_as_policy(e, passport) for e in found)


def _as_policy(record: ExceptionRecord, passport: Passport) -> PolicyException:
    root = passport.identity.source.rstrip("/")
    path = "*" if record.path == "*" else f"{root}/{record.path.lstrip('/')}"
    return PolicyException(
        rule=record.rule_id,
        model=passport.identity.name,
        path=path,
        finding=record.finding,
        reason=f"registry exception {record.id}: {record.reason}",
        owner=record.owner,
        expires=record.expires,
        origin="registry",
    )


def deployment_coverage(
    registry: RegistryService | None, passport: Passport
) -> tuple[SafetyCoverage, ...]:
    """How the registry's deployments of exactly these files are served, as the audit
    chain recorded them (nothing when the chain is broken)."""
    files = passport.manifest
    if registry is None or not files:
        return ()
    digest = manifest_digest(files)
    out = []
    with registry.chain_state() as held:
        if not held.verification.intact:
            return ()
        models = [m for m in held.ledger.models.values() if m.name == passport.identity.name]
        deployments = [dict(dep) for m in models for dep in m.deployments.values()]
    for dep in deployments:
        served = dep.get("safety") or {}
        if dep.get("manifest_digest") == digest and served:
            out.append(
                SafetyCoverage(
                    deployment=str(dep.get("target", "")),
                    source="registry",
                    gateway_config=str(served.get("gateway_config", "")),
                    config_sha256=str(served.get("config_sha256", "")),
                    safety_profile=str(served.get("safety_profile", "off")),
                    safety_policy=str(served.get("safety_policy", "")),
                    exposure=str(served.get("exposure", "internal")),
                )
            )
    return tuple(out)


def state_facts(
    passports: Sequence[Passport],
    registry: RegistryService | None,
    gateway: Sequence[Sequence[SafetyCoverage]] = (),
) -> tuple[Passport, ...]:
    """Each passport with its safety section stated from the facts: the gateway
    configurations that serve it (``gateway``, one sequence per passport) and the
    registry's deployments of its files."""
    given = list(gateway) or [()] * len(passports)
    return tuple(
        with_coverage(p, (*g, *deployment_coverage(registry, p)))
        for p, g in zip(passports, given, strict=True)
    )


def decide(
    policy: Policy,
    passports: Sequence[Passport],
    registry: RegistryService | None,
    *,
    today: date | None = None,
) -> tuple[Decision, ...]:
    """The decision on each passport: the policy and the registry's waivers for its files.

    Raises:
        RegistryError: when the registry's audit chain is broken.
    """
    day = today or datetime.now(UTC).date()
    return tuple(
        evaluate(policy, p, today=day, exceptions=waivers_for(registry, p, day)) for p in passports
    )


def record(
    registry: RegistryService,
    passports: Sequence[Passport],
    decisions: Sequence[Decision],
    actor: str,
    *,
    versions: Mapping[str, str] | None = None,
) -> tuple[Recorded, ...]:
    """Register each model, store its passport with the decision, and ask the reviewers
    when the decision is ``needs_review``.

    With ``versions`` (the policy, knowledge-base, rule and advisory versions the verdict was
    made with; see ``services.versions``) the passport records them, and recording is
    idempotent: the same files judged with the same versions to the same decision make no
    new passport.

    Raises:
        RegistryError: when the registry refuses a record.
    """
    out = []
    for passport, decision in zip(passports, decisions, strict=True):
        ident = passport.identity
        document: dict[str, object] = {**passport.to_dict(), "decision": decision.to_dict()}
        if versions is not None:
            document["versions"] = dict(versions)
        model, stored, created, request = registry.record_vetted(
            Vetted(
                name=ident.name,
                source=ident.source,
                revision=ident.revision or "",
                files=passport.manifest,
                passport=document,
                decision=decision.outcome.value,
                required_roles=[r.value for r in decision.roles],
                reasons=[
                    f"{r.rule}: {r.finding} at {r.location.describe()}: {r.message}"
                    for r in decision.reasons
                ],
            ),
            actor=actor,
            request=decision.outcome is Outcome.NEEDS_REVIEW,
        )
        out.append(
            Recorded(
                model_id=model.id,
                model=model.name,
                passport_version=stored.version,
                decision=decision.outcome,
                request=request,
                created=created,
            )
        )
    return tuple(out)


__all__ = [
    "Recorded",
    "decide",
    "deployment_coverage",
    "open_existing",
    "record",
    "state_facts",
    "waivers_for",
]
