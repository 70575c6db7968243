"""The audit log's values: an entry of the hash chain, the faults a walk can find, a stored
row that drifted from what the chain recorded, and the verdict of a whole verification."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One link of the hash chain."""

    seq: int
    ts: str
    actor: str
    action: str
    payload: str
    """Canonical JSON text."""
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: tuple[int, str, str, str, str, str, str]) -> AuditEntry:
        """An entry from its stored row ``(seq, ts, actor, action, payload, prev, hash)``."""
        seq, ts, actor, action, payload, prev_hash, digest = row
        return cls(
            seq=seq,
            ts=ts,
            actor=actor,
            action=action,
            payload=payload,
            prev_hash=prev_hash,
            hash=digest,
        )

    @property
    def row(self) -> tuple[int, str, str, str, str, str, str]:
        """The stored row of this entry."""
        return (self.seq, self.ts, self.actor, self.action, self.payload, self.prev_hash, self.hash)

    def to_dict(self) -> dict[str, object]:
        """The JSON-lines export form (payload parsed back into an object)."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "action": self.action,
            "payload": json.loads(self.payload),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


class AuditFault(enum.StrEnum):
    """What broke the chain."""

    EDITED = "edited"
    DELETED = "deleted"
    REORDERED = "reordered"
    UNSIGNED = "unsigned"
    """The head is not covered by a valid signed checkpoint (a key was given)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Drift:
    """A stored row that disagrees with what the audit chain recorded."""

    table: str
    row: str
    """The row's key: ``3`` or ``3/v2`` or ``3/config.json``."""
    detail: str
    model_id: int | None = None
    """The model the row belongs to, when it belongs to one."""
    exception_id: int | None = None

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.detail}"

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {"table": self.table, "row": self.row, "detail": self.detail}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditVerification:
    """The result of walking the whole chain."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: AuditFault | None = None
    detail: str = ""
    head_hash: str = ""
    """The hash of the last entry: publish it to anchor the chain."""
    drift: tuple[Drift, ...] = ()
    """Stored rows that disagree with the chain (the chain itself may be intact)."""
    signed_through: int | None = None
    """The newest entry covered by a valid signed checkpoint, when a key was given."""

    @property
    def intact(self) -> bool:
        """The chain itself verified (stored rows may still have drifted)."""
        return self.reason is None

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "ok": self.ok,
            "drift": [d.to_dict() for d in self.drift],
            "signed_through": self.signed_through,
            "count": self.count,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason.value if self.reason else None,
            "detail": self.detail,
            "head_hash": self.head_hash,
            "anchor": f"{self.count}:{self.head_hash}" if self.intact and self.count else None,
        }
