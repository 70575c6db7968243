"""The append-only audit log: canonical entries, SHA-256 hash chaining and verification.

Each entry's hash is ``sha256(prev_hash || canonical entry)`` where the canonical entry is
the JSON object ``{"action", "actor", "payload", "seq", "ts"}`` with sorted keys, no
whitespace and UTF-8 text. Editing, deleting or reordering any entry breaks a link, and
``verify_chain`` names the first entry at fault.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from json.encoder import encode_basestring

from modelsteward.registry.records import AuditEntry, AuditFault, AuditVerification

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_encode_str = encode_basestring
"""What ``_dumps`` does to a string, without the dispatch."""


def canonical_json(value: object) -> str:
    """JSON with sorted keys, no whitespace and raw UTF-8: one text per value."""
    return _dumps(value)


def utc_now() -> str:
    """The current time as an ISO 8601 UTC timestamp with microseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_entry(seq: int, ts: str, actor: str, action: str, payload: str) -> str:
    """The canonical text of an entry whose payload is already canonical JSON."""
    return (
        f'{{"action":{_encode_str(action)},"actor":{_encode_str(actor)},"payload":{payload},'
        f'"seq":{seq},"ts":{_encode_str(ts)}}}'
    )


def entry_hash(prev_hash: str, seq: int, ts: str, actor: str, action: str, payload: str) -> str:
    """``sha256(prev_hash || canonical entry)`` as hex."""
    text = prev_hash + canonical_entry(seq, ts, actor, action, payload)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_entry(
    *, prev_hash: str, seq: int, ts: str, actor: str, action: str, payload: object
) -> AuditEntry:
    """Build the next entry of a chain whose head hash is ``prev_hash``."""
    text = canonical_json(payload)
    return AuditEntry(
        seq=seq,
        ts=ts,
        actor=actor,
        action=action,
        payload=text,
        prev_hash=prev_hash,
        hash=entry_hash(prev_hash, seq, ts, actor, action, text),
    )


AuditRowTuple = tuple[int, str, str, str, str, str, str]
"""An entry as stored: ``(seq, ts, actor, action, payload, prev_hash, hash)``."""


def _intact(entry: AuditEntry, seq: int | None = None) -> bool:
    s = entry.seq if seq is None else seq
    computed = entry_hash(entry.prev_hash, s, entry.ts, entry.actor, entry.action, entry.payload)
    return computed == entry.hash


def verify_chain(
    rows: Iterable[AuditRowTuple],
    *,
    head: tuple[int, str] | None,
    rescan: Iterable[AuditRowTuple] | None = None,
    anchor: tuple[int, str] | None = None,
) -> AuditVerification:
    """Walk the stored entries (ordered by seq) and check every link.

    ``head`` is the ``(seq, hash)`` the store recorded for the last append, which reveals
    entries deleted from the end. ``rescan`` is a second pass over the same entries, used
    only when a fault is found, to tell a reordered entry from an edited one. ``anchor`` is
    a ``(seq, hash)`` kept outside the database: it catches a chain rewritten from that
    entry on with every hash recomputed.
    """
    prev = GENESIS
    count = 0
    anchor_seq, anchor_hash = anchor if anchor is not None else (0, "")
    enc = _encode_str
    sha256 = hashlib.sha256
    # The canonical entry is inlined here: this loop is the cost of verifying the chain.
    for seq, ts, actor, action, payload, prev_hash, digest in rows:
        count += 1
        if seq != count:
            return _bad(count - 1, count, AuditFault.DELETED, f"entry {count} is missing")
        text = (
            f'{prev_hash}{{"action":{enc(action)},"actor":{enc(actor)},"payload":{payload},'
            f'"seq":{seq},"ts":{enc(ts)}}}'
        )
        if prev_hash != prev or sha256(text.encode("utf-8")).hexdigest() != digest:
            entry = AuditEntry.of((seq, ts, actor, action, payload, prev_hash, digest))
            return _classify(entry, count - 1, rescan)
        if seq == anchor_seq and digest != anchor_hash:
            return _bad(count - 1, seq, AuditFault.EDITED, f"entry {seq} differs from the anchor")
        prev = digest
    if anchor_seq > count:
        return _bad(count, count + 1, AuditFault.DELETED, f"anchored entry {anchor_seq} is gone")
    head_seq, head_hash = head if head is not None else (0, GENESIS)
    if head_seq > count:
        return _bad(count, count + 1, AuditFault.DELETED, f"entries after {count} are missing")
    if head_seq < count:
        return _bad(count, head_seq + 1, AuditFault.EDITED, "entries were added behind the store")
    if head_hash != prev:
        return _bad(count, max(count, 1), AuditFault.EDITED, "the last entry was rewritten")
    return AuditVerification(ok=True, count=count, head_hash=prev)


def _classify(
    entry: AuditEntry, count: int, rescan: Iterable[AuditRowTuple] | None
) -> AuditVerification:
    seq = entry.seq
    if _intact(entry):
        # The entry is intact but does not link to its predecessor: the predecessor was
        # rewritten with a recomputed hash.
        bad = max(seq - 1, 1)
        return _bad(count, bad, AuditFault.EDITED, f"entry {bad} was rewritten")
    origin = _origin(entry, rescan)
    if origin is not None:
        return _bad(count, seq, AuditFault.REORDERED, f"entry {seq} was entry {origin}")
    return _bad(count, seq, AuditFault.EDITED, f"entry {seq} does not match its hash")


def _origin(entry: AuditEntry, rescan: Iterable[AuditRowTuple] | None) -> int | None:
    """The position an intact entry was written at, when it now sits elsewhere."""
    if rescan is None:
        return None
    for row in rescan:
        if row[0] != entry.seq and _intact(entry, row[0]):
            return row[0]
    return None


def _bad(count: int, seq: int, reason: AuditFault, detail: str) -> AuditVerification:
    return AuditVerification(ok=False, count=count, first_bad_seq=seq, reason=reason, detail=detail)


def export_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """The entries as JSON lines, each ending with a newline."""
    for entry in entries:
        yield canonical_json(entry.to_dict()) + "\n"
