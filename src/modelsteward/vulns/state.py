"""Where SLA clocks are kept: the ``SlaStateStore`` seam and its JSON-file implementation.

The registry can take the state over later by implementing the same two methods.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from modelsteward.findings import Severity
from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.sla import RiskException, SlaEntry


class SlaStateStore(Protocol):
    """Keeps one :class:`SlaEntry` per (deployment, vulnerability, package)."""

    def entries(self) -> list[SlaEntry]:
        """Every entry, fixed ones included."""
        ...

    def upsert(self, entries: Iterable[SlaEntry]) -> None:
        """Insert or replace entries by key.

        Raises:
            VulnError: when the state cannot be written.
        """
        ...


class JsonSlaStateStore:
    """SLA state in one JSON file, rewritten atomically on each change."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[SlaEntry]:
        """Every entry in the file; an absent file holds none.

        Raises:
            VulnError: when the file exists but is not a state file.
        """
        if not self.path.exists():
            return []
        try:
            body = json.loads(self.path.read_text(encoding="utf-8"))
            return [_entry(item) for item in body["entries"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VulnError(
                f"cannot read SLA state {self.path}: {exc}",
                hint="fix or move the file; it is rebuilt by the next 'vulns --deployment' run",
            ) from exc

    def upsert(self, entries: Iterable[SlaEntry]) -> None:
        """Insert or replace entries by key and rewrite the file."""
        merged = {e.key: e for e in self.entries()}
        merged.update({e.key: e for e in entries})
        body = {"version": 1, "entries": [_dump(e) for e in sorted(merged.values(), key=_order)]}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            raise VulnError(
                f"cannot write SLA state {self.path}: {exc}", hint="check permissions"
            ) from exc


def _order(entry: SlaEntry) -> tuple[str, str, str]:
    return entry.key


def _dump(entry: SlaEntry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "deployment": entry.deployment,
        "vuln_id": entry.vuln_id,
        "package": entry.package,
        "version": entry.version,
        "severity": entry.severity.label,
        "first_seen": entry.first_seen.isoformat(),
        "due": entry.due.isoformat(),
        "fixed_on": entry.fixed_on.isoformat() if entry.fixed_on else None,
        "exception": None,
    }
    if entry.exception is not None:
        out["exception"] = {
            "owner": entry.exception.owner,
            "expires": entry.exception.expires.isoformat(),
            "reason": entry.exception.reason,
        }
    return out


def _entry(item: dict[str, Any]) -> SlaEntry:
    exc = item.get("exception")
    return SlaEntry(
        deployment=str(item["deployment"]),
        vuln_id=str(item["vuln_id"]),
        package=str(item["package"]),
        version=str(item["version"]),
        severity=Severity.parse(str(item["severity"])),
        first_seen=date.fromisoformat(item["first_seen"]),
        due=date.fromisoformat(item["due"]),
        fixed_on=date.fromisoformat(item["fixed_on"]) if item.get("fixed_on") else None,
        exception=RiskException(
            owner=str(exc["owner"]),
            expires=date.fromisoformat(exc["expires"]),
            reason=str(exc.get("reason", "")),
        )
        if exc
        else None,
    )


def record_sightings(
    store: SlaStateStore, deployment: str, current: Sequence[SlaEntry], today: date
) -> list[SlaEntry]:
    """Start clocks for newly seen vulnerabilities and stop those no longer seen.

    ``current`` holds the entries the latest match produced for ``deployment`` (their
    ``first_seen`` already taken from the store when known). An open entry of the deployment
    that is absent from ``current`` gets ``fixed_on = today``. Returns the entries written.
    """
    known = {e.key: e for e in store.entries() if e.deployment == deployment}
    changed: list[SlaEntry] = []
    seen = set()
    for entry in current:
        seen.add(entry.key)
        old = known.get(entry.key)
        if old is None or old.fixed_on is not None or old.version != entry.version:
            exception = old.exception if old is not None else None
            changed.append(replace(entry, exception=exception, fixed_on=None))
    for key, old in known.items():
        if key not in seen and old.fixed_on is None:
            changed.append(replace(old, fixed_on=today))
    store.upsert(changed)
    return changed


def accept_risk(
    store: SlaStateStore,
    *,
    deployment: str,
    vuln_id: str,
    exception: RiskException,
    today: date | None = None,
) -> list[SlaEntry]:
    """Attach an accepted-risk exception to every open entry of ``vuln_id`` on ``deployment``.

    ``today`` (default: the current UTC date) must not be after the exception's expiry: an
    exception that has already ended accepts nothing.

    Raises:
        VulnError: when the expiry is in the past, or no open entry matches (accept only
            what has been seen).
    """
    day = today or datetime.now(UTC).date()
    if exception.expires < day:
        raise VulnError(
            f"the exception would expire on {exception.expires.isoformat()}, "
            f"before today ({day.isoformat()})",
            hint="give --expires a date from today on (YYYY-MM-DD)",
        )
    wanted = vuln_id.upper()
    hits = [
        replace(e, exception=exception)
        for e in store.entries()
        if e.deployment == deployment and e.vuln_id.upper() == wanted and e.fixed_on is None
    ]
    if not hits:
        raise VulnError(
            f"no open {vuln_id} on deployment {deployment!r}",
            hint="run 'modelsteward vulns --deployment NAME ...' first; use the id it reports",
        )
    store.upsert(hits)
    return hits
