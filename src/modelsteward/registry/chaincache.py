"""The audit chain replayed once per process, then extended entry by entry.

A full replay walks every entry, so a decision that needs the chain's state (the exceptions
``vet`` applies, whether files may be served, whose tokens are trusted) would cost time in
proportion to the whole history. The cache keeps, per registry, the state replayed from a
verified chain and the ``(seq, hash)`` of the last entry it covered. On each use, in one
snapshot, it:

- reads the stored hash of that entry: every hash covers all the entries before it, so a
  chain rewritten anywhere up to there with recomputed hashes no longer carries it;
- verifies each newer entry (seq, link and hash) before replaying it;
- checks the stored head against the new last entry (entries deleted from the end, or
  appended behind the store), the anchor, and the signed checkpoints when a key is given.

Anything that does not extend the cached chain (a shorter chain, another hash at the
cached head, a newer entry that fails) drops the cache and replays the whole chain, which
names the fault exactly as ``audit verify`` does. An entry edited in place without
recomputing its hash leaves the later hashes as they were; the cached state still holds
only what was verified, and the whole chain is walked again once the state is older than
``max_age_s`` (and on every ``audit verify``), which then reports the edit.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from modelsteward.registry.audit import GENESIS, entry_hash
from modelsteward.registry.ledger import Ledger
from modelsteward.registry.records import AuditVerification
from modelsteward.registry.store.interface import AuditSnapshot, Store, Tx
from modelsteward.registry.trust import check_checkpoints, key_id, replay_snapshot

MAX_AGE_S = 300.0
"""How long a replayed state is extended before the whole chain is walked again."""

_Key = tuple[str, tuple[int, str] | None, str | None]


@dataclass(slots=True, kw_only=True)
class Held:
    """The chain's state as of one snapshot, and that snapshot's stored rows."""

    verification: AuditVerification
    """The chain alone: stored rows are not compared (see ``registry.drift``)."""
    ledger: Ledger
    """What the verified chain recorded. Read it only while the state is held."""
    tx: Tx
    """The stored rows as of the same moment."""


@dataclass(slots=True)
class _State:
    verification: AuditVerification
    ledger: Ledger
    checkpoint_hashes: dict[int, str]
    walked_at: float


class ChainCache:
    """Replayed chain states keyed by registry, anchor and checkpoint key."""

    def __init__(
        self, *, max_age_s: float = MAX_AGE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._states: dict[_Key, _State] = {}
        self._locks: dict[_Key, threading.Lock] = {}
        self._guard = threading.Lock()
        self.walks = 0
        """How many whole-chain replays were made (for tests and benchmarks)."""
        self.extensions = 0
        """How many uses extended a cached state instead."""

    def clear(self) -> None:
        """Forget every state (the next use replays the whole chain)."""
        with self._guard:
            self._states.clear()

    def reset_after_fork(self) -> None:
        """A forked child inherits no lock a parent thread might have held."""
        self._guard = threading.Lock()
        self._locks = {}

    @contextmanager
    def hold(
        self,
        store: Store,
        *,
        anchor: tuple[int, str] | None = None,
        key: bytes | None = None,
    ) -> Iterator[Held]:
        """The chain's state now, held (other users of the same registry wait) until the
        block ends, with a snapshot of the stored rows taken at the same moment.

        Raises:
            StoreError: when the database cannot be read.
        """
        ident: _Key = (store.dsn, anchor, key_id(key) if key is not None else None)
        with self._guard:
            lock = self._locks.setdefault(ident, threading.Lock())
        with lock, store.audit_snapshot() as snap:
            state = self._states.get(ident)
            if (
                state is None
                or not state.verification.intact
                or self._clock() - state.walked_at > self.max_age_s
                or not _extend(snap, state, anchor, key)
            ):
                state = self._walk(snap, anchor, key)
                self._states[ident] = state
            else:
                self.extensions += 1
            yield Held(verification=state.verification, ledger=state.ledger, tx=snap.tx())

    def _walk(
        self, snap: AuditSnapshot, anchor: tuple[int, str] | None, key: bytes | None
    ) -> _State:
        self.walks += 1
        trusted = replay_snapshot(snap, anchor=anchor, key=key, drift=False)
        return _State(
            trusted.verification, trusted.ledger, dict(trusted.checkpoint_hashes), self._clock()
        )


def _extend(
    snap: AuditSnapshot,
    state: _State,
    anchor: tuple[int, str] | None,
    key: bytes | None,
) -> bool:
    """Replay the entries after the cached head into ``state``; False (``state``
    untouched) when the stored chain does not extend the cached one."""
    count, prev = state.verification.count, state.verification.head_hash or GENESIS
    head_seq, head_hash = snap.head if snap.head is not None else (0, GENESIS)
    if head_seq < count or (count and snap.hash_at(count) != prev):
        return False
    tail = snap.rows_after(count)
    for offset, (seq, ts, actor, action, payload, prev_hash, digest) in enumerate(tail, 1):
        if (
            seq != count + offset
            or prev_hash != prev
            or entry_hash(prev_hash, seq, ts, actor, action, payload) != digest
            or (anchor is not None and seq == anchor[0] and digest != anchor[1])
        ):
            return False
        prev = digest
    if (head_seq, head_hash) != (count + len(tail), prev):
        return False
    if anchor is not None and anchor[0] > head_seq:
        return False  # the anchored entry is gone: the whole walk names the fault
    hashes = state.checkpoint_hashes
    checkpoints = snap.tx().checkpoints() if key is not None else []
    if key is not None:
        fresh = {row[0]: row[6] for row in tail}
        for seq, *_ in checkpoints:
            if seq in fresh:
                hashes[seq] = fresh[seq]
            elif seq <= count and seq not in hashes:
                return False  # a checkpoint of an old entry appeared: walk it whole
    for row in tail:
        state.ledger.apply(row)
    result = AuditVerification(ok=True, count=count + len(tail), head_hash=prev)
    if key is not None:
        result = check_checkpoints(result, checkpoints, hashes, key)
    state.verification = replace(result, drift=())
    return True


CHAIN_CACHE = ChainCache()
"""The process's cache, shared by every ``RegistryService``."""

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=CHAIN_CACHE.reset_after_fork)
