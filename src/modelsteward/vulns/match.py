"""Match an inventory against the advisory index: one vulnerability per alias group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.vulns.db import AdvisoryDatabase, gc_paused
from modelsteward.vulns.osv import Advisory, normalize_name
from modelsteward.vulns.package import Package
from modelsteward.vulns.ranges import Verdict, evaluate, parse_version
from modelsteward.vulns.rules import AFFECTED, AMBIGUOUS, EXCEPTION_EXPIRED, OVERDUE, RISK_ACCEPTED
from modelsteward.vulns.severity import Rating, rate
from modelsteward.vulns.sla import SlaEntry, SlaPolicy

_ID_RANK = ("PYSEC-", "GHSA-", "CVE-")


@dataclass(frozen=True, slots=True, kw_only=True)
class Vulnerability:
    """One vulnerability (an alias group of advisories) hitting one installed package."""

    id: str
    aliases: tuple[str, ...]
    package: str
    version: str
    fixed_in: tuple[str, ...]
    severity: Severity
    summary: str
    sla_due: date | None
    source: str = ""
    score: float | None = None
    """The CVSS base score the severity came from, when any."""
    vector: str = ""
    first_seen: date | None = None
    references: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """The id followed by the aliases."""
        return (self.id, *self.aliases)

    def to_dict(self) -> dict[str, object]:
        """The ``vulnerabilities`` item of the JSON contract."""
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "package": self.package,
            "version": self.version,
            "fixed_in": list(self.fixed_in),
            "severity": self.severity.label,
            "summary": self.summary,
            "sla_due": self.sla_due.isoformat() if self.sla_due else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class VulnResult:
    """What :func:`match_packages` found."""

    packages: tuple[Package, ...]
    vulnerabilities: tuple[Vulnerability, ...]
    report: Report
    sla_entries: tuple[SlaEntry, ...] = field(default=())
    """The clock of each vulnerability, for a state store (deployment filled by the caller)."""

    def to_sections(self) -> dict[str, object]:
        """The ``packages`` and ``vulnerabilities`` keys of the JSON contract."""
        return {
            "packages": [p.to_dict() for p in self.packages],
            "vulnerabilities": [v.to_dict() for v in self.vulnerabilities],
        }


@dataclass(slots=True)
class _Hit:
    advisory: Advisory
    verdict: Verdict


def match_packages(
    packages: Iterable[Package],
    db: AdvisoryDatabase,
    *,
    today: date | None = None,
    sla: SlaPolicy | None = None,
    state: Sequence[SlaEntry] = (),
    deployment: str = "default",
) -> VulnResult:
    """Find the advisories that affect each package and compute their SLA due dates.

    Withdrawn records are never reported; records sharing an id or alias are merged into one
    vulnerability. ``state`` holds earlier clocks (from a ``SlaStateStore``) so that a
    vulnerability keeps the date it was first seen on ``deployment``; without one, the clock
    starts ``today``.
    """
    with gc_paused():
        return _match(list(packages), db, today or datetime.now(UTC).date(), sla, state, deployment)


def _match(
    packages: list[Package],
    db: AdvisoryDatabase,
    today: date,
    sla: SlaPolicy | None,
    state: Sequence[SlaEntry],
    deployment: str,
) -> VulnResult:
    policy = sla or SlaPolicy()
    items = _dedupe(packages)
    clocks = {(e.vuln_id, e.package): e for e in state if e.deployment == deployment}
    by_name = db.lookup({normalize_name(p.name) for p in items if p.ecosystem == "PyPI"})
    vulns: list[Vulnerability] = []
    findings: list[Finding] = []
    entries: list[SlaEntry] = []
    for package in items:
        if package.ecosystem != "PyPI":
            continue
        hits = _hits(package, by_name.get(normalize_name(package.name), ()))
        for group in _groups(hits):
            affected = [h for h in group if h.verdict.affected]
            if not affected:
                findings.append(_ambiguous(package, group))
                continue
            ids = [i for h in group for i in (h.advisory.id, *h.advisory.aliases)]
            vuln, entry = _vulnerability(package, affected, ids, policy, today, clocks, deployment)
            vulns.append(vuln)
            entries.append(entry)
            findings.extend(_findings(package, vuln, entry, today))
    return VulnResult(
        packages=tuple(items),
        vulnerabilities=tuple(vulns),
        report=Report.of(findings),
        sla_entries=tuple(entries),
    )


def _dedupe(packages: Iterable[Package]) -> list[Package]:
    seen: dict[tuple[str, str, str], Package] = {}
    for p in packages:
        seen.setdefault((p.ecosystem, normalize_name(p.name), p.version), p)
    return list(seen.values())


def _hits(package: Package, advisories: Iterable[Advisory]) -> list[_Hit]:
    name = normalize_name(package.name)
    out: list[_Hit] = []
    for advisory in advisories:
        if advisory.withdrawn:
            continue
        for entry in advisory.affected:
            if entry.name != name or entry.ecosystem.split(":", 1)[0] != "PyPI":
                continue
            verdict = evaluate(entry, package.version)
            if verdict.affected or verdict.ambiguous:
                out.append(_Hit(advisory, verdict))
                if verdict.affected:
                    break
    return out


def _groups(hits: list[_Hit]) -> list[list[_Hit]]:
    """Union the hits whose ids or aliases overlap."""
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, hit in enumerate(hits):
        for ident in (hit.advisory.id, *hit.advisory.aliases):
            other = owner.setdefault(ident.upper(), index)
            parent[find(index)] = find(other)
    grouped: dict[int, list[_Hit]] = {}
    for index, hit in enumerate(hits):
        grouped.setdefault(find(index), []).append(hit)
    return list(grouped.values())


def _rank(ident: str) -> tuple[int, str]:
    head = ident[:6].upper()
    for i, prefix in enumerate(_ID_RANK):
        if head.startswith(prefix):
            return (i, ident)
    return (len(_ID_RANK), ident)


def _primary(ids: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    unique = set(ids)
    first = min(unique, key=_rank)
    unique.discard(first)
    return first, tuple(sorted(unique))


def _vulnerability(
    package: Package,
    hits: list[_Hit],
    ids: list[str],
    policy: SlaPolicy,
    today: date,
    clocks: Mapping[tuple[str, str], SlaEntry],
    deployment: str,
) -> tuple[Vulnerability, SlaEntry]:
    ident, aliases = _primary(ids)
    ratings = [rate(h.advisory) for h in hits]
    best: Rating = max(ratings, key=lambda r: (r.severity, r.score or 0.0))
    fixed = sorted(
        {f for h in hits for f in h.verdict.fixed_in},
        key=lambda v: (parse_version(v) is None, parse_version(v) or v),
    )
    name = normalize_name(package.name)
    known = clocks.get((ident, name))
    first_seen = known.first_seen if known is not None else today
    due, _ = policy.due(first_seen, best.severity, (ident, *aliases))
    summary = next((h.advisory.summary for h in hits if h.advisory.summary), "")
    vuln = Vulnerability(
        id=ident,
        aliases=aliases,
        package=package.name,
        version=package.version,
        fixed_in=tuple(fixed),
        severity=best.severity,
        summary=summary,
        sla_due=due,
        source=package.source,
        score=best.score,
        vector=best.vector,
        first_seen=first_seen,
        references=tuple(dict.fromkeys(r for h in hits for r in h.advisory.references)),
    )
    entry = SlaEntry(
        deployment=deployment,
        vuln_id=ident,
        package=name,
        version=package.version,
        severity=best.severity,
        first_seen=first_seen,
        due=due,
        exception=known.exception if known is not None else None,
    )
    return vuln, entry


def _location(package: Package) -> Location:
    return Location(path=package.source, package=package.name)


def _findings(package: Package, vuln: Vulnerability, entry: SlaEntry, today: date) -> list[Finding]:
    fix = f"; fixed in {', '.join(vuln.fixed_in)}" if vuln.fixed_in else "; no fixed version yet"
    out = [
        Finding(
            rule_id=AFFECTED.id,
            severity=vuln.severity,
            message=f"{package.name} {package.version} is affected by {vuln.id}{fix}",
            location=_location(package),
            evidence=f"{package.name}=={package.version}",
            refs=vuln.ids,
        )
    ]
    exception = entry.exception
    if exception is not None and exception.active(today):
        out.append(
            Finding(
                rule_id=RISK_ACCEPTED.id,
                severity=Severity.INFO,
                message=f"{vuln.id} is an accepted risk owned by {exception.owner} "
                f"until {exception.expires.isoformat()}",
                location=_location(package),
                evidence=exception.reason,
                refs=vuln.ids,
            )
        )
        return out
    if exception is not None:
        out.append(
            Finding(
                rule_id=EXCEPTION_EXPIRED.id,
                severity=Severity.MEDIUM,
                message=f"the exception for {vuln.id} owned by {exception.owner} expired on "
                f"{exception.expires.isoformat()}",
                location=_location(package),
                refs=vuln.ids,
            )
        )
    if vuln.sla_due is not None and today > vuln.sla_due:
        late = (today - vuln.sla_due).days
        out.append(
            Finding(
                rule_id=OVERDUE.id,
                severity=max(vuln.severity, Severity.HIGH),
                message=f"{vuln.id} on {package.name} was due on {vuln.sla_due.isoformat()} "
                f"and is {late} days overdue",
                location=_location(package),
                evidence=f"first seen {entry.first_seen.isoformat()}",
                refs=vuln.ids,
            )
        )
    return out


def _ambiguous(package: Package, group: list[_Hit]) -> Finding:
    ident, aliases = _primary(i for h in group for i in (h.advisory.id, *h.advisory.aliases))
    severity = max(rate(h.advisory).severity for h in group)
    reason = group[0].verdict.ambiguous
    return Finding(
        rule_id=AMBIGUOUS.id,
        severity=severity,
        message=f"{package.name} {package.version} may be affected by {ident}: "
        f"the record cannot be evaluated exactly ({reason})",
        location=_location(package),
        evidence=f"{package.name}=={package.version}",
        refs=(ident, *aliases),
    )
