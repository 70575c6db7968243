"""The registry schema as SQLAlchemy 2 models (migrations in ``registry/migrations``).

Timestamps are ISO 8601 UTC text so that every backend returns exactly what was written;
list-valued fields are canonical JSON text.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

_TS = String(32)
_HASH = String(64)


class Base(DeclarativeBase):
    """The registry's declarative base."""


class ModelRow(Base):
    """A registered model; ``status`` is kept current with every change."""

    __tablename__ = "models"
    __table_args__ = (
        Index("ix_models_status", "status", "id"),
        Index("ix_models_license_family", "license_family", "id"),
        Index("ix_models_max_severity", "max_severity", "id"),
        Index("ix_models_decision", "decision", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(512), unique=True)
    source: Mapped[str] = mapped_column(Text)
    revision: Mapped[str] = mapped_column(String(256))
    manifest_digest: Mapped[str] = mapped_column(_HASH, index=True)
    file_count: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(_TS)
    updated_at: Mapped[str] = mapped_column(_TS)
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The latest passport's decision (for listing; approvals read the passports)."""
    license_family: Mapped[str | None] = mapped_column(String(64), nullable=True)
    max_severity: Mapped[int | None] = mapped_column(nullable=True)
    """The worst finding severity of the latest passport, 0 (info) to 4 (critical)."""


class ModelFileRow(Base):
    """One file of a model's current manifest."""

    __tablename__ = "model_files"
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), primary_key=True)
    relpath: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str] = mapped_column(_HASH, index=True)


class PassportRow(Base):
    """One passport version and its policy decision."""

    __tablename__ = "passports"
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    manifest_digest: Mapped[str] = mapped_column(_HASH)
    decision: Mapped[str] = mapped_column(String(32))
    required_roles: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    passport: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[str] = mapped_column(_TS)


class RequestRow(Base):
    """An approval request bound to a passport version and a manifest."""

    __tablename__ = "approval_requests"
    __table_args__ = (Index("ix_approval_requests_state", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    passport_version: Mapped[int]
    manifest_digest: Mapped[str] = mapped_column(_HASH)
    requester: Mapped[str] = mapped_column(String(256))
    required_roles: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(_TS)


class SignatureRow(Base):
    """A reviewer's verdict on a request, in one role."""

    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_created_at", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(256))
    approve: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(_TS)


class ExceptionRow(Base):
    """A policy exception: one rule waived for one finding and path of one model's exact
    files, until an expiry date, once the reviewers the policy names have approved it."""

    __tablename__ = "policy_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(256))
    scope: Mapped[str] = mapped_column(String(512))
    """The model name."""
    manifest_digest: Mapped[str] = mapped_column(_HASH, server_default="")
    finding: Mapped[str] = mapped_column(String(256), server_default="*")
    path: Mapped[str] = mapped_column(String(1024), server_default="*")
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(256))
    expires: Mapped[date] = mapped_column(Date, index=True)
    actor: Mapped[str] = mapped_column(String(256))
    """Who requested it."""
    required_roles: Mapped[str] = mapped_column(Text, server_default="[]")
    state: Mapped[str] = mapped_column(String(16), server_default="legacy")
    created_at: Mapped[str] = mapped_column(_TS)


class ExceptionSignatureRow(Base):
    """A reviewer's verdict on an exception, in one role."""

    __tablename__ = "exception_signatures"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("policy_exceptions.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(256))
    approve: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(_TS)


class DeploymentRow(Base):
    """A model running on a target, with the engine and runtime inventory."""

    __tablename__ = "deployments"
    __table_args__ = (Index("ix_deployments_target", "target", "model_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    manifest_digest: Mapped[str] = mapped_column(_HASH)
    target: Mapped[str] = mapped_column(String(512))
    engine: Mapped[str] = mapped_column(String(256))
    runtime_inventory: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[str] = mapped_column(_TS)
    safety: Mapped[str] = mapped_column(Text, server_default="{}")
    """How the deployment is served (gateway configuration, safety profile, exposure)."""


class SlaRow(Base):
    """A vulnerability seen in a deployment and its SLA clock (one per key)."""

    __tablename__ = "sla_items"
    __table_args__ = (UniqueConstraint("deployment", "vuln_id", "package"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    deployment: Mapped[str] = mapped_column(String(512))
    vuln_id: Mapped[str] = mapped_column(String(128))
    package: Mapped[str] = mapped_column(String(256))
    version: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    fixed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    exception_owner: Mapped[str | None] = mapped_column(String(256), nullable=True)
    exception_expires: Mapped[date | None] = mapped_column(Date, nullable=True)
    exception_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ActorRow(Base):
    """An enrolled actor: a name in one role, known by the SHA-256 of its token."""

    __tablename__ = "actors"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    token_sha256: Mapped[str] = mapped_column(_HASH, unique=True)
    created_at: Mapped[str] = mapped_column(_TS)
    revoked_at: Mapped[str | None] = mapped_column(_TS, nullable=True)


class AuditRow(Base):
    """One audit entry; ``seq`` is assigned under the chain-head lock."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_action", "action", "seq"),
        Index("ix_audit_log_actor", "actor", "seq"),
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(_TS)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(_HASH)
    hash: Mapped[str] = mapped_column(_HASH)


class CheckpointRow(Base):
    """A signed checkpoint of the chain head: ``mac`` is an HMAC-SHA256 of ``seq:hash``
    under a key kept outside the database."""

    __tablename__ = "audit_checkpoints"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(_HASH)
    key_id: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[str] = mapped_column(_TS)


class AuditHeadRow(Base):
    """The single chain-head row every writer locks first (id is always 1)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(_HASH)


class DecisionRow(Base):
    """A governed decision that is not a model approval (a selection, a contribution), with
    the digest of what it was made on and the roles that must sign it."""

    __tablename__ = "decision_records"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(512))
    digest: Mapped[str] = mapped_column(_HASH)
    subject: Mapped[str] = mapped_column(String(512))
    payload: Mapped[str] = mapped_column(Text)
    requester: Mapped[str] = mapped_column(String(256))
    required_roles: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(_TS)


class DecisionSignatureRow(Base):
    """A reviewer's verdict on a decision record, in one role."""

    __tablename__ = "decision_signatures"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_records.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(256))
    approve: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(_TS)


class DecisionModelRow(Base):
    """A registered model a decision record concerns (shown with its passport)."""

    __tablename__ = "decision_models"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_records.id"), primary_key=True)
    model_name: Mapped[str] = mapped_column(String(512), primary_key=True, index=True)
