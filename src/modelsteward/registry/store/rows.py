"""Row-to-record conversions shared by the registry's query modules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, RowMapping, select
from sqlalchemy.engine import Connection

from modelsteward.registry.records import (
    ApprovalRequest,
    Decision,
    DeploymentRecord,
    ModelRecord,
    ModelStatus,
    PassportRecord,
    RequestState,
    Role,
    Signature,
)
from modelsteward.registry.store.tables import ModelRow, SignatureRow

_M = ModelRow.__table__.c
_S = SignatureRow.__table__.c
MODEL_COLUMNS = (
    _M.id,
    _M.name,
    _M.source,
    _M.revision,
    _M.manifest_digest,
    _M.file_count,
    _M.status,
    _M.created_at,
    _M.updated_at,
    _M.decision,
    _M.license_family,
    _M.max_severity,
)

_STATUS = {s.value: s for s in ModelStatus}


def model_of(row: Sequence[Any]) -> ModelRecord:
    """A model record from a row of ``MODEL_COLUMNS``."""
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
        decision=Decision(row[9]) if row[9] else None,
        license_family=row[10],
        max_severity=row[11],
    )


def _roles(text: str) -> tuple[Role, ...]:
    return tuple(Role(r) for r in json.loads(text))


def passport_of(row: Row[Any]) -> PassportRecord:
    """A passport record from a ``passports`` row."""
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


def requests_of(conn: Connection, rows: Sequence[Row[Any]]) -> list[ApprovalRequest]:
    """Approval requests from ``approval_requests`` rows, with their signatures."""
    ids = [r._mapping["id"] for r in rows]
    sigs: dict[int, list[Signature]] = {i: [] for i in ids}
    if ids:
        query = select(SignatureRow.__table__).where(_S.request_id.in_(ids)).order_by(_S.id)
        for s in conn.execute(query):
            sm = s._mapping
            sigs[sm["request_id"]].append(
                Signature(
                    role=Role(sm["role"]),
                    actor=sm["actor"],
                    approve=bool(sm["approve"]),
                    reason=sm["reason"],
                    created_at=sm["created_at"],
                )
            )
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


def deployment_of(m: RowMapping) -> DeploymentRecord:
    """A deployment record from a ``deployments`` row's mapping (extra keys ignored)."""
    return DeploymentRecord(
        id=m["id"],
        model_id=m["model_id"],
        manifest_digest=m["manifest_digest"],
        target=m["target"],
        engine=m["engine"],
        runtime_inventory=tuple(json.loads(m["runtime_inventory"])),
        actor=m["actor"],
        created_at=m["created_at"],
        safety=json.loads(m.get("safety") or "{}"),
    )
