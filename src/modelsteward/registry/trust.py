"""What the registry may believe: the audit chain verified, replayed, compared with the
stored rows and, when a key is configured, checked against signed checkpoints of its head.

An attacker with write access to the database can edit any row. Edits of the governance
tables show up as drift against the chain; edits of the chain break its hashes; a chain
rewritten end to end with recomputed hashes is caught by an anchor kept elsewhere, or by
the HMAC checkpoints, whose key never enters the database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace

from modelsteward.registry.audit import AuditRowTuple, verify_chain
from modelsteward.registry.drift import find_drift
from modelsteward.registry.ledger import Ledger
from modelsteward.registry.records import AuditFault, AuditVerification
from modelsteward.registry.store.interface import AuditSnapshot, Store


@dataclass(frozen=True, slots=True)
class Trusted:
    """The verification of one snapshot and the state its chain recorded."""

    verification: AuditVerification
    ledger: Ledger
    checkpoint_hashes: dict[int, str] = field(default_factory=dict)
    """The stored hash of every entry a signed checkpoint named (with a key)."""


def key_id(key: bytes) -> str:
    """A short, public name for a checkpoint key (its SHA-256 prefix)."""
    return hashlib.sha256(b"modelsteward-checkpoint-key:" + key).hexdigest()[:16]


def checkpoint_mac(key: bytes, seq: int, digest: str) -> str:
    """The HMAC-SHA256 that signs the chain head ``(seq, digest)``."""
    return hmac.new(key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def replay(
    store: Store,
    *,
    anchor: tuple[int, str] | None = None,
    key: bytes | None = None,
    drift: bool = True,
) -> Trusted:
    """Verify the chain, replay it, and compare the stored rows, in one snapshot.

    Never raises for what it finds: a broken chain, a bad checkpoint or drifted rows make
    ``verification.ok`` false and say where. Without ``drift`` the stored rows are not
    compared (the verification covers the chain alone).

    Raises:
        StoreError: when the database cannot be read.
    """
    with store.audit_snapshot() as snap:
        return replay_snapshot(snap, anchor=anchor, key=key, drift=drift)


def replay_snapshot(
    snap: AuditSnapshot,
    *,
    anchor: tuple[int, str] | None = None,
    key: bytes | None = None,
    drift: bool = True,
) -> Trusted:
    """``replay`` over an open snapshot."""
    ledger = Ledger()
    stored = snap.tx()
    checkpoints = stored.checkpoints() if key is not None else []
    wanted = {c[0] for c in checkpoints}
    seen: dict[int, str] = {}
    with closing(snap.rows()) as rows:
        tapped = _tap(rows, wanted, seen)
        result = verify_chain(
            ledger.replaying(tapped),
            head=snap.head,
            rescan=_Rescan(snap.rows),
            anchor=anchor,
        )
    drifted = tuple(find_drift(stored, ledger)) if drift and result.intact else ()
    if key is not None and result.intact:
        result = check_checkpoints(result, checkpoints, seen, key)
    if drifted:
        result = replace(result, ok=False, drift=drifted)
    return Trusted(result, ledger, seen)


def _tap(
    rows: Iterable[AuditRowTuple], wanted: set[int], seen: dict[int, str]
) -> Iterator[AuditRowTuple]:
    for row in rows:
        if row[0] in wanted:
            seen[row[0]] = row[6]
        yield row


def check_checkpoints(
    result: AuditVerification,
    checkpoints: list[tuple[int, str, str, str]],
    seen: dict[int, str],
    key: bytes,
) -> AuditVerification:
    """``result`` with the signed checkpoints of ``key`` checked against the hashes
    ``seen`` (seq -> stored hash) and the head covered."""
    mine = key_id(key)
    signed = 0
    for seq, digest, kid, mac in checkpoints:
        if kid != mine:
            continue  # another key's checkpoint (before a rotation): not ours to judge
        if not hmac.compare_digest(mac, checkpoint_mac(key, seq, digest)):
            return _fault(result, seq, AuditFault.EDITED, f"checkpoint {seq} has a bad signature")
        if seen.get(seq) != digest:
            detail = f"entry {seq} differs from its signed checkpoint: the chain was rewritten"
            return _fault(result, seq, AuditFault.EDITED, detail)
        signed = max(signed, seq)
    if signed < result.count:
        detail = f"entries {signed + 1}-{result.count} are not covered by a signed checkpoint"
        return _fault(result, signed + 1, AuditFault.UNSIGNED, detail, signed)
    return replace(result, signed_through=signed)


def _fault(
    result: AuditVerification,
    seq: int,
    reason: AuditFault,
    detail: str,
    signed: int | None = None,
) -> AuditVerification:
    return replace(
        result, ok=False, first_bad_seq=seq, reason=reason, detail=detail, signed_through=signed
    )


class _Rescan:
    """A re-iterable view over the stored rows, for the rare second pass on a fault."""

    def __init__(self, rows: Callable[[], Generator[AuditRowTuple, None, None]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[AuditRowTuple]:
        with closing(self._rows()) as rows:
            yield from rows
