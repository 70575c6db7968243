"""Remediation clocks: how long each vulnerability may stay open, and the state that remembers
when it was first seen.

Defaults follow FedRAMP and CISA BOD 19-02 practice (critical 15 days, high 30, medium 90,
low 180); a vulnerability in CISA's Known Exploited Vulnerabilities catalog is due at the
earlier of its KEV due date and 14 days after first seen (BOD 22-01); an EPSS probability of
``epss_threshold`` or more moves the clock one tier up.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from modelsteward.findings import Severity
from modelsteward.vulns.errors import VulnError

DEFAULT_DAYS: Mapping[Severity, int] = {
    Severity.CRITICAL: 15,
    Severity.HIGH: 30,
    Severity.MEDIUM: 90,
    Severity.LOW: 180,
    Severity.INFO: 365,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreatData:
    """Exploitation signals keyed by CVE id."""

    kev: Mapping[str, date] = field(default_factory=dict)
    """CVE id -> the KEV catalog's due date."""
    epss: Mapping[str, float] = field(default_factory=dict)
    """CVE id -> EPSS probability (0..1)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPolicy:
    """Days allowed per severity, and how exploitation signals shorten them."""

    days: Mapping[Severity, int] = field(default_factory=lambda: dict(DEFAULT_DAYS))
    kev_days: int = 14
    epss_threshold: float = 0.1
    threat: ThreatData = field(default_factory=ThreatData)

    def due(self, first_seen: date, severity: Severity, ids: Iterable[str]) -> tuple[date, str]:
        """The due date of a vulnerability known by ``ids``, and why (``severity``, ``epss``,
        ``kev``)."""
        ids = tuple(ids)
        tier = severity
        reason = "severity"
        epss = max((self.threat.epss.get(i, 0.0) for i in ids), default=0.0)
        if epss >= self.epss_threshold and tier < Severity.CRITICAL:
            tier = Severity(tier + 1)
            reason = "epss"
        due = first_seen + timedelta(days=self.days.get(tier, DEFAULT_DAYS[tier]))
        kev_dates = [self.threat.kev[i] for i in ids if i in self.threat.kev]
        if kev_dates:
            due = min(due, min(kev_dates), first_seen + timedelta(days=self.kev_days))
            reason = "kev"
        return due, reason


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskException:
    """An accepted risk: who owns it and until when it holds."""

    owner: str
    expires: date
    reason: str = ""

    def active(self, today: date) -> bool:
        """Whether the exception still holds on ``today``."""
        return today <= self.expires


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaEntry:
    """One vulnerability on one deployment, with its clock."""

    deployment: str
    vuln_id: str
    package: str
    version: str
    severity: Severity
    first_seen: date
    due: date
    fixed_on: date | None = None
    """When a fixed version was first seen; the clock stops here."""
    exception: RiskException | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """(deployment, vulnerability id, package)."""
        return (self.deployment, self.vuln_id, self.package)

    def status(self, today: date) -> str:
        """``fixed``, ``accepted``, ``overdue`` or ``open``."""
        if self.fixed_on is not None:
            return "fixed"
        if self.exception is not None and self.exception.active(today):
            return "accepted"
        return "overdue" if today > self.due else "open"


def load_kev(path: Path) -> dict[str, date]:
    """Read CISA's KEV catalog JSON (``known_exploited_vulnerabilities.json``).

    Raises:
        VulnError: when the file is unreadable or not the KEV format.
    """
    try:
        body = json.loads(path.read_bytes())
        return {str(v["cveID"]): date.fromisoformat(v["dueDate"]) for v in body["vulnerabilities"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VulnError(
            f"cannot read KEV catalog {path}: {exc}",
            hint="download known_exploited_vulnerabilities.json from cisa.gov",
        ) from exc


def load_epss(path: Path) -> dict[str, float]:
    """Read an EPSS scores CSV (``cve,epss,percentile``, optionally gzipped).

    Raises:
        VulnError: when the file is unreadable or has no ``cve``/``epss`` columns.
    """
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        lines = [ln for ln in raw.decode("utf-8").splitlines() if not ln.startswith("#")]
        return {
            row["cve"]: float(row["epss"]) for row in csv.DictReader(io.StringIO("\n".join(lines)))
        }
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise VulnError(
            f"cannot read EPSS scores {path}: {exc}",
            hint="download epss_scores-current.csv.gz from first.org",
        ) from exc
