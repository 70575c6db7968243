"""``SqlTx``: the registry's queries over one SQLAlchemy connection and transaction."""

from __future__ import annotations

import json
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
from modelsteward.registry.store.decisions import DecisionQueries
from modelsteward.registry.store.interface import StoreError
from modelsteward.registry.store.operations import OperationsQueries, signature_of
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
_S = SignatureRow.__table__.c
_MODEL_COLS = (
    _M.id,
    _M.name,
    _M.source,
    _M.revision,
    _M.manifest_digest,
    _M.file_count,
    _M.status,
    _M.created_at,
    _M.updated_at,
)

_STATUS = {s.value: s for s in ModelStatus}


def _model(row: Sequence[Any]) -> ModelRecord:
    return ModelRecord(
        id=row[0],
        name=row[1],
        source=row[2],
        revision=row[3],
        manifest_digest=row[4],
        file_count=row[5],
        status=_STATUS[row[6]],
        created_at=row[7],
        updated_at=row[8],
    )


def _roles(text: str) -> tuple[Role, ...]:
    return tuple(Role(r) for r in json.loads(text))


class SqlTx(OperationsQueries, DecisionQueries):
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
        return _model(row) if row else None

    def model_by_name(self, name: str) -> ModelRecord | None:
        """The model with this name."""
        row = self._conn.execute(select(*_MODEL_COLS).where(_M.name == name)).first()
        return _model(row) if row else None

    def models_with_file(self, sha256: str) -> list[ModelRecord]:
        """Models whose current manifest holds a file with this hash."""
        ids = select(_F.model_id).where(_F.sha256 == sha256)
        rows = self._conn.execute(select(*_MODEL_COLS).where(_M.id.in_(ids)).order_by(_M.id))
        return [_model(r) for r in rows]

    def list_models(self, limit: int, offset: int) -> list[ModelRecord]:
        """Models ordered by id."""
        query = select(*_MODEL_COLS).order_by(_M.id).limit(limit).offset(offset)
        return [_model(r) for r in self._conn.execute(query).all()]

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
            )
        )

    def set_status(self, model_id: int, status: ModelStatus) -> None:
        """Record where a model stands."""
        self._conn.execute(
            update(ModelRow)
            .where(_M.id == model_id)
            .values(status=status.value, updated_at=self._now)
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
        m = row._mapping
        return PassportRecord(
            model_id=m["model_id"],
            version=m["version"],
            manifest_digest=m["manifest_digest"],
            decision=Decision(m["decision"]),
            required_roles=_roles(m["required_roles"]),
            reasons=tuple(json.loads(m["reasons"])),
            passport=json.loads(m["passport"]),
            actor=m["actor"],
            created_at=m["created_at"],
        )

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
        rows = list(
            self._conn.execute(
                select(RequestRow.__table__).where(_R.model_id == model_id).order_by(_R.id)
            )
        )
        ids = [r._mapping["id"] for r in rows]
        sigs: dict[int, list[Signature]] = {i: [] for i in ids}
        if ids:
            query = select(SignatureRow.__table__).where(_S.request_id.in_(ids)).order_by(_S.id)
            for s in self._conn.execute(query):
                sigs[s._mapping["request_id"]].append(signature_of(s._mapping))
        out = []
        for r in rows:
            m = r._mapping
            out.append(
                ApprovalRequest(
                    id=m["id"],
                    model_id=m["model_id"],
                    passport_version=m["passport_version"],
                    manifest_digest=m["manifest_digest"],
                    requester=m["requester"],
                    required_roles=_roles(m["required_roles"]),
                    state=RequestState(m["state"]),
                    created_at=m["created_at"],
                    signatures=tuple(sigs[m["id"]]),
                )
            )
        return out

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
