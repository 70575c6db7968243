"""``SqlTx``: the registry's queries over one SQLAlchemy connection and transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from modelsteward.registry.audit import canonical_json, chain_entry
from modelsteward.registry.records import (
    ApprovalRequest,
    AuditEntry,
    Decision,
    ModelRecord,
    ModelStatus,
    PassportRecord,
    RequestState,
    Role,
    Signature,
    manifest_digest,
)
from modelsteward.registry.store.catalog import CatalogQueries
from modelsteward.registry.store.decisions import DecisionQueries
from modelsteward.registry.store.interface import StoreError
from modelsteward.registry.store.operations import OperationsQueries
from modelsteward.registry.store.rows import MODEL_COLUMNS as _MODEL_COLS
from modelsteward.registry.store.rows import model_of, passport_of, requests_of
from modelsteward.registry.store.tables import (
    AuditHeadRow,
    AuditRow,
    ModelFileRow,
    ModelRow,
    PassportRow,
    RequestRow,
    SignatureRow,
)

_M = ModelRow.__table__.c
_F = ModelFileRow.__table__.c
_P = PassportRow.__table__.c
_R = RequestRow.__table__.c


class SqlTx(OperationsQueries, DecisionQueries, CatalogQueries):
    """One transaction; ``head`` is set (and locked) only in write transactions."""

    def __init__(self, conn: Connection, *, now: str, head: tuple[int, str] | None) -> None:
        self._conn = conn
        self._now = now
        self._head = head

    @property
    def connection(self) -> Connection:
        """The underlying connection (for migrations and maintenance)."""
        return self._conn

    @property
    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the chain head as this write transaction left it."""
        if self._head is None:
            raise StoreError("the chain head is known in write transactions only")
        return self._head

    def now(self) -> str:
        """The timestamp every record of this transaction carries."""
        return self._now

    def model(self, model_id: int) -> ModelRecord | None:
        """The model with this id."""
        row = self._conn.execute(select(*_MODEL_COLS).where(_M.id == model_id)).first()
        return model_of(row) if row else None

    def model_by_name(self, name: str) -> ModelRecord | None:
        """The model with this name."""
        row = self._conn.execute(select(*_MODEL_COLS).where(_M.name == name)).first()
        return model_of(row) if row else None

    def models_with_file(self, sha256: str) -> list[ModelRecord]:
        """Models whose current manifest holds a file with this hash."""
        ids = select(_F.model_id).where(_F.sha256 == sha256)
        rows = self._conn.execute(select(*_MODEL_COLS).where(_M.id.in_(ids)).order_by(_M.id))
        return [model_of(r) for r in rows]

    def list_models(self, limit: int, offset: int) -> list[ModelRecord]:
        """Models ordered by id."""
        query = select(*_MODEL_COLS).order_by(_M.id).limit(limit).offset(offset)
        return [model_of(r) for r in self._conn.execute(query).all()]

    def count_models(self) -> int:
        """How many models there are."""
        return int(self._conn.execute(select(func.count()).select_from(ModelRow)).scalar_one())

    def files(self, model_id: int) -> dict[str, str]:
        """The current manifest of a model (relpath -> sha256)."""
        rows = self._conn.execute(
            select(_F.relpath, _F.sha256).where(_F.model_id == model_id).order_by(_F.relpath)
        )
        return {r[0]: r[1] for r in rows}

    def insert_model(
        self, *, name: str, source: str, revision: str, files: Mapping[str, str]
    ) -> ModelRecord:
        """Add a model with its manifest."""
        model_id = self._conn.execute(
            insert(ModelRow)
            .values(
                name=name,
                source=source,
                revision=revision,
                manifest_digest=manifest_digest(files),
                file_count=len(files),
                status=ModelStatus.REGISTERED.value,
                created_at=self._now,
                updated_at=self._now,
            )
            .returning(_M.id)
        ).scalar_one()
        self._insert_files(model_id, files)
        record = self.model(model_id)
        assert record is not None
        return record

    def _insert_files(self, model_id: int, files: Mapping[str, str]) -> None:
        if files:
            rows = [{"model_id": model_id, "relpath": k, "sha256": v} for k, v in files.items()]
            self._conn.execute(insert(ModelFileRow), rows)

    def replace_manifest(
        self, model_id: int, *, source: str, revision: str, files: Mapping[str, str]
    ) -> None:
        """Give a model a new manifest; its status returns to registered."""
        self._conn.execute(delete(ModelFileRow).where(_F.model_id == model_id))
        self._insert_files(model_id, files)
        self._conn.execute(
            update(ModelRow)
            .where(_M.id == model_id)
            .values(
                source=source,
                revision=revision,
                manifest_digest=manifest_digest(files),
                file_count=len(files),
                status=ModelStatus.REGISTERED.value,
                updated_at=self._now,
                decision=None,
                license_family=None,
                max_severity=None,
            )
        )

    def set_status(self, model_id: int, status: ModelStatus) -> None:
        """Record where a model stands."""
        self._conn.execute(
            update(ModelRow)
            .where(_M.id == model_id)
            .values(status=status.value, updated_at=self._now)
        )

    def set_summary(
        self,
        model_id: int,
        *,
        decision: Decision,
        license_family: str | None,
        max_severity: int | None,
    ) -> None:
        """Record what the catalog lists about a model's latest passport."""
        self._conn.execute(
            update(ModelRow)
            .where(_M.id == model_id)
            .values(
                decision=decision.value, license_family=license_family, max_severity=max_severity
            )
        )

    def passports(self, model_id: int) -> list[PassportRecord]:
        """Every passport version of a model, oldest first."""
        query = select(PassportRow.__table__).where(_P.model_id == model_id).order_by(_P.version)
        return [self._passport(r) for r in self._conn.execute(query)]

    def latest_passport(self, model_id: int) -> PassportRecord | None:
        """The newest passport version of a model."""
        query = (
            select(PassportRow.__table__)
            .where(_P.model_id == model_id)
            .order_by(_P.version.desc())
            .limit(1)
        )
        row = self._conn.execute(query).first()
        return self._passport(row) if row else None

    @staticmethod
    def _passport(row: Row[Any]) -> PassportRecord:
        return passport_of(row)

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
        latest = self.latest_passport(model_id)
        version = 1 if latest is None else latest.version + 1
        try:
            passport_text = canonical_json(dict(passport))
        except (TypeError, ValueError) as exc:
            raise StoreError(
                f"the passport is not JSON: {exc}", hint="pass plain JSON values"
            ) from exc
        self._conn.execute(
            insert(PassportRow).values(
                model_id=model_id,
                version=version,
                manifest_digest=manifest_digest,
                decision=decision.value,
                required_roles=canonical_json([r.value for r in required_roles]),
                reasons=canonical_json(list(reasons)),
                passport=passport_text,
                actor=actor,
                created_at=self._now,
            )
        )
        record = self.latest_passport(model_id)
        assert record is not None
        return record

    def requests(self, model_id: int) -> list[ApprovalRequest]:
        """Every approval request of a model with its signatures, oldest first."""
        query = select(RequestRow.__table__).where(_R.model_id == model_id).order_by(_R.id)
        return requests_of(self._conn, list(self._conn.execute(query)))

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
        self._conn.execute(
            insert(RequestRow).values(
                model_id=model_id,
                passport_version=passport_version,
                manifest_digest=manifest_digest,
                requester=requester,
                required_roles=canonical_json([r.value for r in required_roles]),
                state=RequestState.PENDING.value,
                created_at=self._now,
            )
        )
        return self.requests(model_id)[-1]

    def insert_signature(self, request_id: int, signature: Signature) -> None:
        """Add one reviewer's verdict to a request."""
        self._conn.execute(
            insert(SignatureRow).values(
                request_id=request_id,
                role=signature.role.value,
                actor=signature.actor,
                approve=signature.approve,
                reason=signature.reason,
                created_at=signature.created_at,
            )
        )

    def set_request_state(self, request_id: int, state: RequestState) -> None:
        """Close or reopen a request."""
        self._conn.execute(update(RequestRow).where(_R.id == request_id).values(state=state.value))

    def append_audit(self, actor: str, action: str, payload: Mapping[str, object]) -> AuditEntry:
        """Chain a new audit entry (write transactions only)."""
        if self._head is None:
            raise StoreError("audit entries are written in write transactions only")
        seq, prev = self._head
        entry = chain_entry(
            prev_hash=prev, seq=seq + 1, ts=self._now, actor=actor, action=action, payload=payload
        )
        self._conn.execute(
            insert(AuditRow).values(
                seq=entry.seq,
                ts=entry.ts,
                actor=entry.actor,
                action=entry.action,
                payload=entry.payload,
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
        )
        self._conn.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=entry.seq, hash=entry.hash)
        )
        self._head = (entry.seq, entry.hash)
        return entry
