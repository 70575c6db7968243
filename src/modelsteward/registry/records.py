"""The registry's domain values: what it stores and what its queries return."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from modelsteward.errors import StewardError
from modelsteward.registry.audit_records import AuditEntry as AuditEntry
from modelsteward.registry.audit_records import AuditFault as AuditFault
from modelsteward.registry.audit_records import AuditVerification as AuditVerification
from modelsteward.registry.audit_records import Drift as Drift
from modelsteward.vet.model import manifest_digest as manifest_digest


class Role(enum.StrEnum):
    """The roles an actor may act in."""

    REQUESTER = "requester"
    LEGAL = "legal"
    SECURITY = "security"
    SAFETY = "safety"
    ADMIN = "admin"

    @classmethod
    def parse(cls, value: str) -> Role:
        """Parse a case-insensitive role name.

        Raises:
            ApprovalError: when ``value`` names no role.
        """
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ApprovalError(f"unknown role {value!r}", hint=f"use one of {names}") from None


class Decision(enum.StrEnum):
    """A policy decision recorded with a passport."""

    APPROVE = "approve"
    NEEDS_REVIEW = "needs_review"
    REJECT = "reject"


class ModelStatus(enum.StrEnum):
    """Where a model stands, kept current in the same transaction as every change."""

    REGISTERED = "registered"
    """Known, but no passport matches its current files."""
    NEEDS_REVIEW = "needs_review"
    """Vetted; waiting for the required reviewers."""
    APPROVED = "approved"
    REJECTED = "rejected"


class RegistryError(StewardError):
    """A registry operation the rules forbid or that names nothing known."""


class ApprovalError(RegistryError):
    """An approval that breaks separation of duties or targets a stale request."""


class NotFoundError(RegistryError):
    """The model (or other record) does not exist."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, and in which role (``--as NAME:ROLE``)."""

    name: str
    role: Role

    @classmethod
    def parse(cls, text: str) -> Actor:
        """Parse ``NAME:ROLE``.

        Raises:
            ApprovalError: when the text is not ``NAME:ROLE`` with a known role.
        """
        name, sep, role = text.partition(":")
        if not sep or not name.strip():
            raise ApprovalError(
                f"actor {text!r} is not NAME:ROLE", hint="write e.g. --as alice:legal"
            )
        return cls(name.strip(), Role.parse(role))

    def __str__(self) -> str:
        return f"{self.name}:{self.role.value}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelQuery:
    """Which models a listing shows: every given filter must hold."""

    text: str = ""
    """A case-insensitive part of the name."""
    status: ModelStatus | None = None
    decision: Decision | None = None
    """The latest passport's policy decision."""
    license_family: str | None = None
    min_severity: int | None = None
    """Models whose worst finding is at least this severe (0 info to 4 critical)."""
    deployment: str | None = None
    """Models deployed on this target."""
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRecord:
    """A registered model as listed."""

    id: int
    name: str
    source: str
    revision: str
    manifest_digest: str
    """SHA-256 of the current file manifest; approvals bind to it."""
    file_count: int
    status: ModelStatus
    created_at: str
    updated_at: str
    decision: Decision | None = None
    """The latest passport's decision, None before the first passport."""
    license_family: str | None = None
    max_severity: int | None = None
    """The latest passport's worst finding severity, 0 (info) to 4 (critical)."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "revision": self.revision,
            "manifest_digest": self.manifest_digest,
            "file_count": self.file_count,
            "status": self.status.value,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PassportRecord:
    """One version of a model's passport and the policy decision taken on it."""

    model_id: int
    version: int
    manifest_digest: str
    decision: Decision
    required_roles: tuple[Role, ...]
    reasons: tuple[str, ...]
    passport: Mapping[str, object]
    actor: str
    created_at: str

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "model_id": self.model_id,
            "version": self.version,
            "manifest_digest": self.manifest_digest,
            "decision": self.decision.value,
            "required_roles": [r.value for r in self.required_roles],
            "reasons": list(self.reasons),
            "passport": dict(self.passport),
            "actor": self.actor,
            "created_at": self.created_at,
        }


class RequestState(enum.StrEnum):
    """Where an approval request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """One reviewer's approval or rejection, in one role."""

    role: Role
    actor: str
    approve: bool
    reason: str
    created_at: str

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "role": self.role.value,
            "actor": self.actor,
            "verdict": "approve" if self.approve else "reject",
            "reason": self.reason,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequest:
    """A request to approve one passport version of a model, bound to its file manifest."""

    id: int
    model_id: int
    passport_version: int
    manifest_digest: str
    requester: str
    required_roles: tuple[Role, ...]
    state: RequestState
    created_at: str
    signatures: tuple[Signature, ...] = ()

    @property
    def missing_roles(self) -> tuple[Role, ...]:
        """Required roles that have not approved yet."""
        signed = {s.role for s in self.signatures if s.approve}
        return tuple(r for r in self.required_roles if r not in signed)

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "id": self.id,
            "model_id": self.model_id,
            "passport_version": self.passport_version,
            "manifest_digest": self.manifest_digest,
            "requester": self.requester,
            "required_roles": [r.value for r in self.required_roles],
            "missing_roles": [r.value for r in self.missing_roles],
            "state": self.state.value,
            "created_at": self.created_at,
            "signatures": [s.to_dict() for s in self.signatures],
        }


class ExceptionState(enum.StrEnum):
    """Where a policy exception stands (``expired`` is computed from the date)."""

    REQUESTED = "requested"
    """Waiting for the reviewers the policy names."""
    APPROVED = "approved"
    """Every required role approved: it waives until its expiry."""
    REJECTED = "rejected"
    REVOKED = "revoked"
    LEGACY = "legacy"
    """Recorded before exceptions were reviewed; it waives nothing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionRecord:
    """A time-limited waiver of one policy rule for one finding and path of one model's
    exact files, granted by the reviewers the policy names (never its requester)."""

    id: int
    rule_id: str
    scope: str
    """The model name."""
    reason: str
    owner: str
    expires: date
    actor: str
    """Who requested it."""
    created_at: str
    manifest_digest: str = ""
    """The manifest the waiver binds to: a changed file voids it."""
    finding: str = "*"
    """Glob over the rule id of the finding a reason points at."""
    path: str = "*"
    """Glob over the file path inside the model."""
    required_roles: tuple[Role, ...] = ()
    state: ExceptionState = ExceptionState.LEGACY
    signatures: tuple[Signature, ...] = ()

    @property
    def missing_roles(self) -> tuple[Role, ...]:
        """Required roles that have not approved yet."""
        signed = {s.role for s in self.signatures if s.approve}
        return tuple(r for r in self.required_roles if r not in signed)

    def status(self, today: date) -> str:
        """The state, or ``expired`` for an approved exception past its expiry day."""
        if self.state is ExceptionState.APPROVED and today > self.expires:
            return "expired"
        return self.state.value

    def waives(self, *, model: str, manifest_digest: str, today: date) -> bool:
        """Whether it waives reasons of ``model`` with exactly these files on ``today``."""
        return (
            self.state is ExceptionState.APPROVED
            and today <= self.expires
            and self.scope == model
            and bool(self.manifest_digest)
            and self.manifest_digest == manifest_digest
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "scope": self.scope,
            "manifest_digest": self.manifest_digest,
            "finding": self.finding,
            "path": self.path,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "actor": self.actor,
            "required_roles": [r.value for r in self.required_roles],
            "missing_roles": [r.value for r in self.missing_roles],
            "state": self.state.value,
            "created_at": self.created_at,
            "signatures": [s.to_dict() for s in self.signatures],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DeploymentRecord:
    """Which model runs where, on which engine and runtime inventory."""

    id: int
    model_id: int
    manifest_digest: str
    target: str
    engine: str
    runtime_inventory: tuple[Mapping[str, str], ...]
    actor: str
    created_at: str
    safety: Mapping[str, object] = field(default_factory=dict)
    """How it is served: ``gateway_config``, ``config_sha256``, ``gateway_model``,
    ``safety_profile``, ``safety_policy``, ``exposure`` (empty when nobody said)."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "id": self.id,
            "model_id": self.model_id,
            "manifest_digest": self.manifest_digest,
            "target": self.target,
            "engine": self.engine,
            "runtime_inventory": [dict(p) for p in self.runtime_inventory],
            "actor": self.actor,
            "created_at": self.created_at,
            "safety": dict(self.safety),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelDetail:
    """Everything the registry knows about one model."""

    model: ModelRecord
    files: Mapping[str, str]
    passports: tuple[PassportRecord, ...] = ()
    requests: tuple[ApprovalRequest, ...] = ()
    deployments: tuple[DeploymentRecord, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "model": self.model.to_dict(),
            "files": dict(self.files),
            "passports": [p.to_dict() for p in self.passports],
            "requests": [r.to_dict() for r in self.requests],
            "deployments": [d.to_dict() for d in self.deployments],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalStatus:
    """Whether some exact set of file hashes may be served."""

    approved: bool
    model: str | None
    """The registered model these files belong to, when one matched."""
    reason: str
    model_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecord:
    """A governed decision other than a model approval (``kind``: ``selection``,
    ``contribution``), bound to the digest of what it was made on."""

    id: int
    kind: str
    name: str
    digest: str
    subject: str
    """What was decided: the chosen candidate, the upstream project..."""
    payload: Mapping[str, object]
    requester: str
    required_roles: tuple[Role, ...]
    state: RequestState
    created_at: str
    signatures: tuple[Signature, ...] = ()
    models: tuple[str, ...] = ()
    """Registered models the decision concerns."""

    @property
    def missing_roles(self) -> tuple[Role, ...]:
        """Required roles that have not approved yet."""
        signed = {s.role for s in self.signatures if s.approve}
        return tuple(r for r in self.required_roles if r not in signed)

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "digest": self.digest,
            "subject": self.subject,
            "requester": self.requester,
            "required_roles": [r.value for r in self.required_roles],
            "missing_roles": [r.value for r in self.missing_roles],
            "state": self.state.value,
            "created_at": self.created_at,
            "signatures": [s.to_dict() for s in self.signatures],
            "models": list(self.models),
            "payload": dict(self.payload),
        }
