"""Vulnerability SLA clocks kept in the registry: the ``SlaStateStore`` of ``vulns``.

Every change of a clock (opened, fixed, reopened, risk accepted, version moved) is written
to the audit chain in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from modelsteward.registry.store.interface import Store

SLA_ACTOR = "vulns"
"""The audit actor of clock changes made by vulnerability matching."""

if TYPE_CHECKING:
    from modelsteward.vulns import SlaEntry


class RegistrySlaState:
    """SLA state in the registry database, one entry per (deployment, vuln, package)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def entries(self) -> list[SlaEntry]:
        """Every entry, fixed ones included.

        Raises:
            StoreError: when the database cannot be read.
        """
        with self._store.read() as tx:
            return tx.sla_entries()

    def upsert(self, entries: Iterable[SlaEntry]) -> None:
        """Insert or replace entries by key, in one transaction with their audit entries.

        Raises:
            StoreError: when the database cannot be written.
        """
        with self._store.write() as tx:
            for entry in entries:
                old = tx.put_sla(entry)
                action = _change(old, entry)
                if action is not None:
                    tx.append_audit(SLA_ACTOR, action, _facts(entry))


def _change(old: SlaEntry | None, new: SlaEntry) -> str | None:
    if old is None:
        return "sla.opened"
    if old == new:
        return None
    if new.fixed_on is not None and old.fixed_on is None:
        return "sla.fixed"
    if new.fixed_on is None and old.fixed_on is not None:
        return "sla.reopened"
    if new.exception != old.exception:
        return "sla.risk-accepted"
    return "sla.updated"


def _facts(entry: SlaEntry) -> dict[str, object]:
    exc = entry.exception
    return {
        "deployment": entry.deployment,
        "vuln_id": entry.vuln_id,
        "package": entry.package,
        "version": entry.version,
        "severity": entry.severity.label,
        "first_seen": entry.first_seen.isoformat(),
        "due": entry.due.isoformat(),
        "fixed_on": entry.fixed_on.isoformat() if entry.fixed_on else None,
        "exception": (
            {"owner": exc.owner, "expires": exc.expires.isoformat(), "reason": exc.reason}
            if exc
            else None
        ),
    }
