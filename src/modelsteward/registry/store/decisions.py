"""Queries for governed decision records and their signatures, mixed into ``SqlTx``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from modelsteward.registry.audit import canonical_json
from modelsteward.registry.records import DecisionRecord, RequestState, Role, Signature
from modelsteward.registry.store.tables import DecisionModelRow, DecisionRow, DecisionSignatureRow

_D = DecisionRow.__table__.c
_S = DecisionSignatureRow.__table__.c
_M = DecisionModelRow.__table__.c


class DecisionQueries:
    """Decision records over the transaction's connection."""

    _conn: Connection
    _now: str

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
        """Store a decision record, pending its reviewers; returns its id."""
        result = self._conn.execute(
            insert(DecisionRow)
            .values(
                kind=kind,
                name=name,
                digest=digest,
                subject=subject,
                payload=canonical_json(dict(payload)),
                requester=requester,
                required_roles=canonical_json([r.value for r in required_roles]),
                state=RequestState.PENDING.value,
                created_at=self._now,
            )
            .returning(_D.id)
        )
        decision_id = int(result.scalar_one())
        for model in dict.fromkeys(models):
            self._conn.execute(
                insert(DecisionModelRow).values(decision_id=decision_id, model_name=model)
            )
        return decision_id

    def decisions(
        self,
        *,
        kind: str | None = None,
        model: str | None = None,
        decision_id: int | None = None,
        limit: int = 100,
    ) -> list[DecisionRecord]:
        """Decision records, newest first, filtered by kind, concerned model or id."""
        query = select(DecisionRow.__table__).order_by(_D.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(_D.kind == kind)
        if decision_id is not None:
            query = query.where(_D.id == decision_id)
        if model is not None:
            query = query.where(_D.id.in_(select(_M.decision_id).where(_M.model_name == model)))
        return self._hydrate([dict(r._mapping) for r in self._conn.execute(query)])

    def decision_queue(
        self, roles: Sequence[Role] | None, limit: int, offset: int
    ) -> tuple[list[DecisionRecord], int]:
        """Pending decision records naming one of ``roles`` (every one when None), oldest
        first; and how many."""
        cond = _D.state == RequestState.PENDING.value
        if roles is not None:
            cond = and_(cond, or_(*(_D.required_roles.contains(f'"{r.value}"') for r in roles)))
        query = select(DecisionRow.__table__).where(cond).order_by(_D.id)
        rows = [dict(r._mapping) for r in self._conn.execute(query.limit(limit).offset(offset))]
        total = self._conn.execute(
            select(func.count()).select_from(DecisionRow).where(cond)
        ).scalar_one()
        return self._hydrate(rows), int(total)

    def _hydrate(self, rows: Sequence[Mapping[str, Any]]) -> list[DecisionRecord]:
        ids = [r["id"] for r in rows]
        sigs: dict[int, list[Signature]] = defaultdict(list)
        models: dict[int, list[str]] = defaultdict(list)
        if ids:
            for s in self._conn.execute(
                select(DecisionSignatureRow.__table__)
                .where(_S.decision_id.in_(ids))
                .order_by(_S.id)
            ):
                m = s._mapping
                sigs[m["decision_id"]].append(
                    Signature(
                        role=Role(m["role"]),
                        actor=m["actor"],
                        approve=bool(m["approve"]),
                        reason=m["reason"],
                        created_at=m["created_at"],
                    )
                )
            for row in self._conn.execute(
                select(_M.decision_id, _M.model_name)
                .where(_M.decision_id.in_(ids))
                .order_by(_M.model_name)
            ):
                models[row[0]].append(row[1])
        return [_record(r, sigs[r["id"]], models[r["id"]]) for r in rows]

    def insert_decision_signature(self, decision_id: int, signature: Signature) -> None:
        """Add one reviewer's verdict to a decision record."""
        self._conn.execute(
            insert(DecisionSignatureRow).values(
                decision_id=decision_id,
                role=signature.role.value,
                actor=signature.actor,
                approve=signature.approve,
                reason=signature.reason,
                created_at=signature.created_at,
            )
        )

    def set_decision_state(self, decision_id: int, state: RequestState) -> None:
        """Close a decision record as approved or rejected."""
        self._conn.execute(
            update(DecisionRow).where(_D.id == decision_id).values(state=state.value)
        )


def _record(m: Mapping[str, Any], sigs: list[Signature], models: list[str]) -> DecisionRecord:
    return DecisionRecord(
        id=m["id"],
        kind=m["kind"],
        name=m["name"],
        digest=m["digest"],
        subject=m["subject"],
        payload=json.loads(m["payload"]),
        requester=m["requester"],
        required_roles=tuple(Role(r) for r in json.loads(m["required_roles"])),
        state=RequestState(m["state"]),
        created_at=m["created_at"],
        signatures=tuple(sigs),
        models=tuple(models),
    )
