"""Read-side queries for listings: filtered, paged models, the approval queue, audit pages
and the counts the dashboard charts draw. Mixed into ``SqlTx``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.engine import Connection

from modelsteward.registry.records import (
    ApprovalRequest,
    AuditEntry,
    DeploymentRecord,
    ModelQuery,
    ModelRecord,
    ModelStatus,
    PassportRecord,
    RequestState,
    Role,
)
from modelsteward.registry.store.rows import (
    MODEL_COLUMNS,
    deployment_of,
    model_of,
    passport_of,
    requests_of,
)
from modelsteward.registry.store.tables import (
    AuditHeadRow,
    AuditRow,
    DeploymentRow,
    ModelRow,
    PassportRow,
    RequestRow,
    SignatureRow,
)

_M = ModelRow.__table__.c
_P = PassportRow.__table__.c
_R = RequestRow.__table__.c
_S = SignatureRow.__table__.c
_D = DeploymentRow.__table__.c
_A = AuditRow.__table__.c
_AUDIT_COLS = (_A.seq, _A.ts, _A.actor, _A.action, _A.payload, _A.prev_hash, _A.hash)


def _filtered(query: Select[Any], q: ModelQuery) -> Select[Any]:
    if q.text.strip():
        query = query.where(func.lower(_M.name).contains(q.text.strip().lower(), autoescape=True))
    if q.status is not None:
        query = query.where(_M.status == q.status.value)
    if q.decision is not None:
        query = query.where(_M.decision == q.decision.value)
    if q.license_family:
        query = query.where(_M.license_family == q.license_family)
    if q.min_severity is not None:
        query = query.where(_M.max_severity >= q.min_severity)
    if q.deployment:
        query = query.where(_M.id.in_(select(_D.model_id).where(_D.target == q.deployment)))
    return query


class CatalogQueries:
    """Listings over the transaction's connection."""

    _conn: Connection

    def search_models(self, q: ModelQuery) -> tuple[list[ModelRecord], int]:
        """One page of the models matching ``q`` (newest id first) and how many match."""
        ids = _filtered(select(_M.id), q).order_by(_M.id.desc()).limit(q.limit).offset(q.offset)
        rows = self._conn.execute(
            select(*MODEL_COLUMNS).where(_M.id.in_(ids)).order_by(_M.id.desc())
        )
        total = self._conn.execute(
            _filtered(select(func.count()).select_from(ModelRow), q)
        ).scalar_one()
        return [model_of(r) for r in rows], int(total)

    def passport(self, model_id: int, version: int) -> PassportRecord | None:
        """One passport version of a model."""
        row = self._conn.execute(
            select(PassportRow.__table__).where((_P.model_id == model_id) & (_P.version == version))
        ).first()
        return passport_of(row) if row else None

    def approval_queue(
        self, roles: Sequence[Role] | None, limit: int, offset: int
    ) -> tuple[list[tuple[ModelRecord, ApprovalRequest]], int]:
        """Pending requests that still apply to their model (same files, newest passport),
        naming one of ``roles`` (every one when None), oldest first; and how many."""
        latest = select(func.max(_P.version)).where(_P.model_id == _R.model_id).scalar_subquery()
        cond = and_(
            _R.state == RequestState.PENDING.value,
            _M.status == ModelStatus.NEEDS_REVIEW.value,
            _R.manifest_digest == _M.manifest_digest,
            _R.passport_version == latest,
        )
        if roles is not None:
            cond = and_(cond, or_(*(_R.required_roles.contains(f'"{r.value}"') for r in roles)))
        base = select(RequestRow.__table__).join(ModelRow, _M.id == _R.model_id).where(cond)
        rows = list(self._conn.execute(base.order_by(_R.id).limit(limit).offset(offset)))
        total = self._conn.execute(
            select(func.count())
            .select_from(RequestRow)
            .join(ModelRow, _M.id == _R.model_id)
            .where(cond)
        ).scalar_one()
        requests = requests_of(self._conn, rows)
        ids = {r.model_id for r in requests}
        models = {
            m.id: m
            for m in map(model_of, self._conn.execute(select(*MODEL_COLUMNS).where(_M.id.in_(ids))))
        }
        return [(models[r.model_id], r) for r in requests], int(total)

    def audit_page(
        self, *, before: int | None, limit: int, action: str | None = None
    ) -> list[AuditEntry]:
        """Audit entries newest first, below ``before`` (a seq), optionally of one action or
        action family (``approval.`` matches every approval action)."""
        query = select(*_AUDIT_COLS)
        if before is not None:
            query = query.where(_A.seq < before)
        if action:
            if action.endswith("."):
                query = query.where(_A.action.startswith(action, autoescape=True))
            else:
                query = query.where(_A.action == action)
        rows = self._conn.execute(query.order_by(_A.seq.desc()).limit(limit))
        return [AuditEntry.of(tuple(r)) for r in rows]

    def audit_length(self) -> int:
        """How many entries the chain head says there are."""
        row = self._conn.execute(select(AuditHeadRow.seq).where(AuditHeadRow.id == 1)).first()
        return int(row[0]) if row else 0

    def severity_counts(self) -> dict[int | None, int]:
        """How many models have each worst finding severity (None: no finding or passport)."""
        rows = self._conn.execute(select(_M.max_severity, func.count()).group_by(_M.max_severity))
        return {r[0]: int(r[1]) for r in rows}

    def status_counts(self) -> dict[str, int]:
        """How many models stand in each status."""
        rows = self._conn.execute(select(_M.status, func.count()).group_by(_M.status))
        return {str(r[0]): int(r[1]) for r in rows}

    def verdicts_per_day(self, since: str) -> list[tuple[str, bool, int]]:
        """``(day, approve, count)`` of the signatures given on or after ``since``."""
        day = func.substr(_S.created_at, 1, 10)
        rows = self._conn.execute(
            select(day, _S.approve, func.count())
            .where(_S.created_at >= since)
            .group_by(day, _S.approve)
            .order_by(day)
        )
        return [(str(r[0]), bool(r[1]), int(r[2])) for r in rows]

    def facets(self) -> tuple[list[str], list[str]]:
        """The license families and the deployment targets that occur, sorted."""
        families = self._conn.execute(
            select(_M.license_family)
            .where(_M.license_family.is_not(None))
            .group_by(_M.license_family)
            .order_by(_M.license_family)
        )
        targets = self._conn.execute(select(_D.target).group_by(_D.target).order_by(_D.target))
        return [str(r[0]) for r in families], [str(r[0]) for r in targets]

    def deployment_page(
        self, limit: int, offset: int
    ) -> tuple[list[tuple[DeploymentRecord, str]], int]:
        """Deployments with their model's name, newest first, and how many there are."""
        rows = self._conn.execute(
            select(DeploymentRow.__table__, _M.name.label("model_name"))
            .join(ModelRow, _M.id == _D.model_id)
            .order_by(_D.id.desc())
            .limit(limit)
            .offset(offset)
        )
        total = self._conn.execute(select(func.count()).select_from(DeploymentRow)).scalar_one()
        return [(deployment_of(r._mapping), str(r._mapping["model_name"])) for r in rows], int(
            total
        )
