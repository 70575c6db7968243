"""The Store seam: transactions over the registry's records, with the audit chain inside.

Every write runs in one ``write()`` transaction that first takes the audit chain head, so
writers from any number of processes are serialized, and each state change commits
together with its audit entry or not at all.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from modelsteward.errors import StewardError
from modelsteward.registry.audit import AuditRowTuple
from modelsteward.registry.records import (
    Actor,
    ApprovalRequest,
    AuditEntry,
    Decision,
    DecisionRecord,
    DeploymentRecord,
    ExceptionRecord,
    ExceptionState,
    ModelQuery,
    ModelRecord,
    ModelStatus,
    PassportRecord,
    RequestState,
    Role,
    Signature,
)

if TYPE_CHECKING:
    from modelsteward.vulns import SlaEntry


class StoreError(StewardError):
    """The registry database cannot be reached, opened, migrated or written."""


class MissingRegistryError(StoreError):
    """A reader asked for a SQLite registry that does not exist (nothing was created)."""


class Tx(Protocol):
    """One transaction. Methods raise ``StoreError`` on database failures."""

    def now(self) -> str:
        """The timestamp every record of this transaction carries."""
        ...

    def model(self, model_id: int) -> ModelRecord | None:
        """The model with this id."""
        ...

    def model_by_name(self, name: str) -> ModelRecord | None:
        """The model with this name."""
        ...

    def models_with_file(self, sha256: str) -> list[ModelRecord]:
        """Models whose current manifest holds a file with this hash."""
        ...

    def list_models(self, limit: int, offset: int) -> list[ModelRecord]:
        """Models ordered by id."""
        ...

    def count_models(self) -> int:
        """How many models there are."""
        ...

    def files(self, model_id: int) -> dict[str, str]:
        """The current manifest of a model (relpath -> sha256)."""
        ...

    def insert_model(
        self, *, name: str, source: str, revision: str, files: Mapping[str, str]
    ) -> ModelRecord:
        """Add a model with its manifest."""
        ...

    def replace_manifest(
        self, model_id: int, *, source: str, revision: str, files: Mapping[str, str]
    ) -> None:
        """Give a model a new manifest; its status returns to registered."""
        ...

    def set_status(self, model_id: int, status: ModelStatus) -> None:
        """Record where a model stands."""
        ...

    def set_summary(
        self,
        model_id: int,
        *,
        decision: Decision,
        license_family: str | None,
        max_severity: int | None,
    ) -> None:
        """Record what the catalog lists about a model's latest passport."""
        ...

    def search_models(self, q: ModelQuery) -> tuple[list[ModelRecord], int]:
        """One page of the models matching ``q`` (newest first) and how many match."""
        ...

    def passport(self, model_id: int, version: int) -> PassportRecord | None:
        """One passport version of a model."""
        ...

    def approval_queue(
        self, roles: Sequence[Role] | None, limit: int, offset: int
    ) -> tuple[list[tuple[ModelRecord, ApprovalRequest]], int]:
        """Pending requests that still apply, naming one of ``roles`` (all when None)."""
        ...

    def audit_page(
        self, *, before: int | None, limit: int, action: str | None = None
    ) -> list[AuditEntry]:
        """Audit entries newest first below ``before``, optionally of one action."""
        ...

    def audit_length(self) -> int:
        """How many entries the chain head says there are."""
        ...

    def severity_counts(self) -> dict[int | None, int]:
        """How many models have each worst finding severity."""
        ...

    def status_counts(self) -> dict[str, int]:
        """How many models stand in each status."""
        ...

    def verdicts_per_day(self, since: str) -> list[tuple[str, bool, int]]:
        """``(day, approve, count)`` of signatures given on or after ``since``."""
        ...

    def facets(self) -> tuple[list[str], list[str]]:
        """The license families and deployment targets that occur."""
        ...

    def deployment_page(
        self, limit: int, offset: int
    ) -> tuple[list[tuple[DeploymentRecord, str]], int]:
        """Deployments with their model's name, newest first, and how many."""
        ...

    def passports(self, model_id: int) -> list[PassportRecord]:
        """Every passport version of a model, oldest first."""
        ...

    def latest_passport(self, model_id: int) -> PassportRecord | None:
        """The newest passport version of a model."""
        ...

    def insert_passport(
        self,
        *,
        model_id: int,
        manifest_digest: str,
        passport: Mapping[str, object],
        decision: Decision,
        required_roles: Sequence[Role],
        reasons: Sequence[str],
        actor: str,
    ) -> PassportRecord:
        """Add the next passport version of a model."""
        ...

    def requests(self, model_id: int) -> list[ApprovalRequest]:
        """Every approval request of a model with its signatures, oldest first."""
        ...

    def insert_request(
        self,
        *,
        model_id: int,
        passport_version: int,
        manifest_digest: str,
        requester: str,
        required_roles: Sequence[Role],
    ) -> ApprovalRequest:
        """Open an approval request."""
        ...

    def insert_signature(self, request_id: int, signature: Signature) -> None:
        """Add one reviewer's verdict to a request."""
        ...

    def set_request_state(self, request_id: int, state: RequestState) -> None:
        """Close or reopen a request."""
        ...

    def insert_exception(self, record: ExceptionRecord) -> ExceptionRecord:
        """Record a requested policy exception; its id and creation time are assigned."""
        ...

    def exception(self, exception_id: int) -> ExceptionRecord | None:
        """One exception with its signatures."""
        ...

    def exceptions(self) -> list[ExceptionRecord]:
        """Every exception with its signatures, oldest first."""
        ...

    def insert_exception_signature(self, exception_id: int, signature: Signature) -> None:
        """Add one reviewer's verdict to an exception."""
        ...

    def set_exception_state(self, exception_id: int, state: ExceptionState) -> None:
        """Move an exception to ``state``."""
        ...

    def insert_checkpoint(self, seq: int, digest: str, key_id: str, mac: str) -> None:
        """Store a signed checkpoint of the chain head."""
        ...

    def checkpoints(self) -> list[tuple[int, str, str, str]]:
        """Every signed checkpoint as ``(seq, hash, key_id, mac)``, oldest first."""
        ...

    def insert_deployment(
        self,
        *,
        model_id: int,
        manifest_digest: str,
        target: str,
        engine: str,
        runtime_inventory: Sequence[Mapping[str, str]],
        actor: str,
        safety: Mapping[str, object] | None = None,
    ) -> DeploymentRecord:
        """Record that a model runs somewhere (and how it is served, when known)."""
        ...

    def deployments(self, model_id: int | None) -> list[DeploymentRecord]:
        """Deployments of one model, or of all models when None."""
        ...

    def sla_entries(self, deployments: Sequence[str] | None = None) -> list[SlaEntry]:
        """Every SLA entry (of ``deployments`` only, when given), fixed ones included."""
        ...

    def put_sla(self, entry: SlaEntry) -> SlaEntry | None:
        """Insert or replace the entry with the same key; return the one replaced."""
        ...

    def insert_actor(self, actor: Actor, token_sha256: str) -> None:
        """Enroll an actor under the hash of its token."""
        ...

    def actor_by_token(self, token_sha256: str) -> Actor | None:
        """The enrolled, unrevoked actor holding this token."""
        ...

    def revoke_actor(self, actor: Actor) -> int:
        """Revoke every token of ``actor``; return how many."""
        ...

    def actor_counts(self) -> dict[str, int]:
        """``name:role`` -> how many unrevoked tokens it holds."""
        ...

    def count_actors(self) -> int:
        """How many unrevoked tokens exist."""
        ...

    def insert_decision(
        self,
        *,
        kind: str,
        name: str,
        digest: str,
        subject: str,
        payload: Mapping[str, object],
        requester: str,
        required_roles: Sequence[Role],
        models: Sequence[str],
    ) -> int:
        """Store a pending decision record; returns its id."""
        ...

    def decisions(
        self,
        *,
        kind: str | None = None,
        model: str | None = None,
        decision_id: int | None = None,
        limit: int = 100,
    ) -> list[DecisionRecord]:
        """Decision records, newest first."""
        ...

    def decision_queue(
        self, roles: Sequence[Role] | None, limit: int, offset: int
    ) -> tuple[list[DecisionRecord], int]:
        """Pending decision records naming one of ``roles`` (all when None), oldest first."""
        ...

    def insert_decision_signature(self, decision_id: int, signature: Signature) -> None:
        """Add a reviewer's verdict to a decision record."""
        ...

    def set_decision_state(self, decision_id: int, state: RequestState) -> None:
        """Close a decision record."""
        ...

    def append_audit(self, actor: str, action: str, payload: Mapping[str, object]) -> AuditEntry:
        """Chain a new audit entry (write transactions only)."""
        ...


class AuditSnapshot(Protocol):
    """The audit log as of one moment."""

    head: tuple[int, str] | None
    """``(seq, hash)`` of the last entry the store appended; None for an empty log."""

    def rows(self) -> Generator[AuditRowTuple, None, None]:
        """Stream the stored rows in seq order (may be called more than once)."""
        ...

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of entry ``seq``, or None when there is no such entry."""
        ...

    def rows_after(self, seq: int) -> list[AuditRowTuple]:
        """The stored rows after entry ``seq``, in seq order."""
        ...

    def entries(self) -> Generator[AuditEntry, None, None]:
        """Stream the entries in seq order (may be called more than once)."""
        ...

    def tx(self) -> Tx:
        """Read the stored rows as of the same moment as the log."""
        ...


class Store(Protocol):
    """A registry database."""

    dsn: str
    """The DSN with any password masked."""

    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction."""
        ...

    def write(self) -> AbstractContextManager[Tx]:
        """A write transaction that holds the audit chain head until it commits."""
        ...

    def audit_snapshot(self) -> AbstractContextManager[AuditSnapshot]:
        """A consistent view of the audit log and its recorded head."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
