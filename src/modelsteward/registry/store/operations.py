"""Queries for exceptions, deployments, SLA clocks and actors, mixed into ``SqlTx``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.engine import Connection

from modelsteward.registry.audit import canonical_json
from modelsteward.registry.records import (
    Actor,
    DeploymentRecord,
    ExceptionRecord,
    ExceptionState,
    Role,
    Signature,
)
from modelsteward.registry.store.rows import deployment_of
from modelsteward.registry.store.tables import (
    ActorRow,
    CheckpointRow,
    DeploymentRow,
    ExceptionRow,
    ExceptionSignatureRow,
    SlaRow,
)

if TYPE_CHECKING:
    from modelsteward.vulns import SlaEntry

_E = ExceptionRow.__table__.c
_ES = ExceptionSignatureRow.__table__.c
_C = CheckpointRow.__table__.c
_D = DeploymentRow.__table__.c
_SLA = SlaRow.__table__.c
_A = ActorRow.__table__.c


def signature_of(m: RowMapping) -> Signature:
    """A stored signature row (of a request or of an exception)."""
    return Signature(
        role=Role(m["role"]),
        actor=m["actor"],
        approve=bool(m["approve"]),
        reason=m["reason"],
        created_at=m["created_at"],
    )


def _sla(m: RowMapping) -> SlaEntry:
    return _sla_rows([m])[0]


def _sla_rows(rows: Sequence[RowMapping]) -> list[SlaEntry]:
    """Stored SLA rows as entries (the classes are looked up once, not once a row)."""
    from modelsteward.findings import Severity
    from modelsteward.vulns import RiskException, SlaEntry

    severity = {s.label: s for s in Severity}
    out: list[SlaEntry] = []
    for m in rows:
        exception = None
        if m["exception_owner"] is not None and m["exception_expires"] is not None:
            exception = RiskException(
                owner=m["exception_owner"],
                expires=m["exception_expires"],
                reason=m["exception_reason"] or "",
            )
        level = m["severity"]
        out.append(
            SlaEntry(
                deployment=m["deployment"],
                vuln_id=m["vuln_id"],
                package=m["package"],
                version=m["version"],
                severity=severity[level] if level in severity else Severity.parse(level),
                first_seen=m["first_seen"],
                due=m["due"],
                fixed_on=m["fixed_on"],
                exception=exception,
            )
        )
    return out


class OperationsQueries:
    """Exceptions, deployments and SLA clocks over the transaction's connection."""

    _conn: Connection
    _now: str

    def insert_exception(self, record: ExceptionRecord) -> ExceptionRecord:
        """Record a requested policy exception; its id and creation time are assigned."""
        values = {
            "rule_id": record.rule_id,
            "scope": record.scope,
            "manifest_digest": record.manifest_digest,
            "finding": record.finding,
            "path": record.path,
            "reason": record.reason,
            "owner": record.owner,
            "expires": record.expires,
            "actor": record.actor,
            "required_roles": canonical_json([r.value for r in record.required_roles]),
            "state": record.state.value,
            "created_at": self._now,
        }
        new_id = self._conn.execute(
            insert(ExceptionRow).values(**values).returning(_E.id)
        ).scalar_one()
        found = self.exception(new_id)
        assert found is not None
        return found

    def exception(self, exception_id: int) -> ExceptionRecord | None:
        """One exception with its signatures."""
        found = self._exceptions(_E.id == exception_id)
        return found[0] if found else None

    def exceptions(self) -> list[ExceptionRecord]:
        """Every exception with its signatures, oldest first."""
        return self._exceptions(None)

    def _exceptions(self, where: Any) -> list[ExceptionRecord]:
        query = select(ExceptionRow.__table__).order_by(_E.id)
        if where is not None:
            query = query.where(where)
        rows = [r._mapping for r in self._conn.execute(query)]
        sigs: dict[int, list[Signature]] = {m["id"]: [] for m in rows}
        if sigs:
            sq = select(ExceptionSignatureRow.__table__).order_by(_ES.id)
            if where is not None:
                sq = sq.where(_ES.exception_id.in_(list(sigs)))
            for s in self._conn.execute(sq):
                sm = s._mapping
                if sm["exception_id"] in sigs:
                    sigs[sm["exception_id"]].append(signature_of(sm))
        return [
            ExceptionRecord(
                id=m["id"],
                rule_id=m["rule_id"],
                scope=m["scope"],
                manifest_digest=m["manifest_digest"],
                finding=m["finding"],
                path=m["path"],
                reason=m["reason"],
                owner=m["owner"],
                expires=m["expires"],
                actor=m["actor"],
                required_roles=tuple(Role(r) for r in json.loads(m["required_roles"])),
                state=ExceptionState(m["state"]),
                created_at=m["created_at"],
                signatures=tuple(sigs[m["id"]]),
            )
            for m in rows
        ]

    def insert_exception_signature(self, exception_id: int, signature: Signature) -> None:
        """Add one reviewer's verdict to an exception."""
        self._conn.execute(
            insert(ExceptionSignatureRow).values(
                exception_id=exception_id,
                role=signature.role.value,
                actor=signature.actor,
                approve=signature.approve,
                reason=signature.reason,
                created_at=signature.created_at,
            )
        )

    def set_exception_state(self, exception_id: int, state: ExceptionState) -> None:
        """Move an exception to ``state``."""
        self._conn.execute(
            update(ExceptionRow).where(_E.id == exception_id).values(state=state.value)
        )

    def insert_checkpoint(self, seq: int, digest: str, key_id: str, mac: str) -> None:
        """Store a signed checkpoint of the chain head."""
        self._conn.execute(
            insert(CheckpointRow).values(
                seq=seq, hash=digest, key_id=key_id, mac=mac, created_at=self._now
            )
        )

    def checkpoints(self) -> list[tuple[int, str, str, str]]:
        """Every signed checkpoint as ``(seq, hash, key_id, mac)``, oldest first."""
        query = select(_C.seq, _C.hash, _C.key_id, _C.mac).order_by(_C.seq)
        return [(r[0], r[1], r[2], r[3]) for r in self._conn.execute(query)]

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
        """Record that a model runs somewhere."""
        inventory = [dict(p) for p in runtime_inventory]
        served = dict(safety or {})
        new_id = self._conn.execute(
            insert(DeploymentRow)
            .values(
                model_id=model_id,
                manifest_digest=manifest_digest,
                target=target,
                engine=engine,
                runtime_inventory=canonical_json(inventory),
                actor=actor,
                created_at=self._now,
                safety=canonical_json(served),
            )
            .returning(_D.id)
        ).scalar_one()
        return DeploymentRecord(
            id=new_id,
            model_id=model_id,
            manifest_digest=manifest_digest,
            target=target,
            engine=engine,
            runtime_inventory=tuple(inventory),
            actor=actor,
            created_at=self._now,
            safety=served,
        )

    def deployments(self, model_id: int | None) -> list[DeploymentRecord]:
        """Deployments of one model, or of all models when None."""
        query = select(DeploymentRow.__table__).order_by(_D.id)
        if model_id is not None:
            query = query.where(_D.model_id == model_id)
        return [deployment_of(r._mapping) for r in self._conn.execute(query)]

    def sla_entries(self, deployments: Sequence[str] | None = None) -> list[SlaEntry]:
        """Every SLA entry (of ``deployments`` only, when given), fixed ones included,
        ordered by key."""
        query = select(SlaRow.__table__).order_by(_SLA.deployment, _SLA.vuln_id, _SLA.package)
        if deployments is not None:
            query = query.where(_SLA.deployment.in_(list(deployments)))
        return _sla_rows(self._conn.execute(query).mappings().all())

    def put_sla(self, entry: SlaEntry) -> SlaEntry | None:
        """Insert or replace the entry with the same key; return the one replaced."""
        key = (
            (_SLA.deployment == entry.deployment)
            & (_SLA.vuln_id == entry.vuln_id)
            & (_SLA.package == entry.package)
        )
        row = self._conn.execute(select(SlaRow.__table__).where(key)).first()
        exc = entry.exception
        values = {
            "version": entry.version,
            "severity": entry.severity.label,
            "first_seen": entry.first_seen,
            "due": entry.due,
            "fixed_on": entry.fixed_on,
            "exception_owner": exc.owner if exc else None,
            "exception_expires": exc.expires if exc else None,
            "exception_reason": exc.reason if exc else None,
        }
        if row is None:
            self._conn.execute(
                insert(SlaRow).values(
                    deployment=entry.deployment,
                    vuln_id=entry.vuln_id,
                    package=entry.package,
                    **values,
                )
            )
            return None
        self._conn.execute(update(SlaRow).where(_SLA.id == row._mapping["id"]).values(**values))
        return _sla(row._mapping)

    def insert_actor(self, actor: Actor, token_sha256: str) -> None:
        """Enroll an actor under the hash of its token."""
        self._conn.execute(
            insert(ActorRow).values(
                name=actor.name,
                role=actor.role.value,
                token_sha256=token_sha256,
                created_at=self._now,
                revoked_at=None,
            )
        )

    def actor_by_token(self, token_sha256: str) -> Actor | None:
        """The enrolled, unrevoked actor holding this token."""
        row = self._conn.execute(
            select(_A.name, _A.role).where(
                (_A.token_sha256 == token_sha256) & _A.revoked_at.is_(None)
            )
        ).first()
        return Actor(row[0], Role(row[1])) if row else None

    def revoke_actor(self, actor: Actor) -> int:
        """Revoke every token of ``actor``; return how many."""
        result = self._conn.execute(
            update(ActorRow)
            .where(
                (_A.name == actor.name) & (_A.role == actor.role.value) & _A.revoked_at.is_(None)
            )
            .values(revoked_at=self._now)
        )
        return int(result.rowcount)

    def actor_counts(self) -> dict[str, int]:
        """``name:role`` -> how many unrevoked tokens it holds."""
        query = (
            select(_A.name, _A.role, func.count())
            .where(_A.revoked_at.is_(None))
            .group_by(_A.name, _A.role)
        )
        return {f"{r[0]}:{r[1]}": int(r[2]) for r in self._conn.execute(query)}

    def count_actors(self) -> int:
        """How many unrevoked tokens exist."""
        query = select(func.count()).select_from(ActorRow).where(_A.revoked_at.is_(None))
        return int(self._conn.execute(query).scalar_one())
