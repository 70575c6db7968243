"""What a reviewer reads: a stored passport laid out by section, the difference between
two passport versions, and the SLA board of every deployment.

All functions read plain data (the stored passport JSON, SLA entries) and return plain
data; the web pages and the JSON API render the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from modelsteward.findings import Severity
from modelsteward.vulns import SlaEntry

DUE_SOON_DAYS = 7
"""An open item due within this many days is shown as due soon."""


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _where(finding: Mapping[str, Any]) -> str:
    loc = _map(finding.get("location"))
    text = str(loc.get("path", ""))
    if loc.get("member"):
        text += f"!{loc['member']}"
    if loc.get("offset") is not None:
        text += f"@{loc['offset']}"
    if loc.get("line") is not None:
        text += f":{loc['line']}"
    if loc.get("package"):
        text = f"{loc['package']} ({text})" if text else str(loc["package"])
    return text


def _finding(finding: Mapping[str, Any]) -> dict[str, str]:
    return {
        "rule_id": str(finding.get("rule_id", "")),
        "severity": str(finding.get("severity", "")).lower(),
        "message": str(finding.get("message", "")),
        "location": _where(finding),
        "evidence": str(finding.get("evidence", "")),
    }


def _severity_key(item: Mapping[str, str]) -> int:
    try:
        return -int(Severity.parse(item["severity"]))
    except ValueError:
        return 0


def passport_sections(
    passport: Mapping[str, Any], sla: Sequence[SlaEntry] = (), today: date | None = None
) -> dict[str, Any]:
    """The passport by section: license with its quoted clauses and lineage, scan findings
    with evidence, vulnerabilities with their SLA due dates (from ``sla``, the clocks of the
    model's deployments), the safety evaluation when there is one, files with hashes, the
    policy's reasons and the state of each check."""
    day = today or date.today()
    report = _map(passport.get("report"))
    findings = sorted((_finding(_map(f)) for f in _list(report.get("findings"))), key=_severity_key)
    lic = _map(passport.get("license"))
    clocks: dict[tuple[str, str], list[SlaEntry]] = {}
    for entry in sla:
        clocks.setdefault((entry.vuln_id, entry.package), []).append(entry)
    vulns = []
    for v in _list(_map(passport.get("vulns")).get("vulnerabilities")):
        item = _map(v)
        key = (str(item.get("id", "")), str(item.get("package", "")))
        vulns.append(
            {
                "id": key[0],
                "package": key[1],
                "version": str(item.get("version", "")),
                "severity": str(item.get("severity", "")),
                "fixed_in": [str(x) for x in _list(item.get("fixed_in"))],
                "summary": str(item.get("summary", "")),
                "clocks": [
                    {
                        "deployment": e.deployment,
                        "due": e.due.isoformat(),
                        "status": sla_status(e, day),
                    }
                    for e in clocks.get(key, ())
                ],
            }
        )
    safety = _map(passport.get("safety"))
    decision = _map(passport.get("decision"))
    return {
        "license": {
            "id": lic.get("id"),
            "family": lic.get("family"),
            "status": lic.get("status"),
            "decision": lic.get("decision"),
            "flags": [str(x) for x in _list(lic.get("flags"))],
            "obligations": [str(x) for x in _list(lic.get("obligations"))],
            "files": [str(x) for x in _list(lic.get("files"))],
            "clauses": [
                f
                for f in findings
                if f["rule_id"].startswith("license.") and ".lineage." not in f["rule_id"]
            ],
            "lineage": [f for f in findings if f["rule_id"].startswith("license.lineage.")],
        },
        "scan": [f for f in findings if f["rule_id"].startswith("scan.")],
        "other_findings": [
            f for f in findings if not f["rule_id"].startswith(("scan.", "license."))
        ],
        "vulns": vulns,
        "safety": {
            "required": bool(safety.get("required", False)),
            "configured": bool(safety.get("configured", False)),
            "evaluation": safety.get("evaluation"),
        },
        "files": [
            {
                "path": str(_map(f).get("path", "")),
                "size": _map(f).get("size"),
                "kind": str(_map(f).get("kind", "")),
                "sha256": _map(f).get("sha256"),
            }
            for f in _list(_map(passport.get("identity")).get("files"))
        ],
        "checks": {
            str(k): {
                "state": str(_map(v).get("state", "")),
                "detail": str(_map(v).get("detail", "")),
            }
            for k, v in _map(passport.get("checks")).items()
        },
        "reasons": [
            {
                "rule": str(_map(r).get("rule", "")),
                "finding": str(_map(r).get("finding", "")),
                "message": str(_map(r).get("message", "")),
                "evidence": str(_map(r).get("evidence", "")),
                "roles": [str(x) for x in _list(_map(r).get("roles"))],
            }
            for r in _list(decision.get("reasons"))
        ],
        "severity_counts": severity_counts(f["severity"] for f in findings),
    }


def severity_counts(severities: Iterable[str]) -> dict[str, int]:
    """How many of each severity label, from critical down to info (zeros included)."""
    counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for label in severities:
        if label in counts:
            counts[label] += 1
    return counts


@dataclass(frozen=True, slots=True, kw_only=True)
class PassportDiff:
    """What changed from one passport version to another."""

    changed: list[dict[str, Any]] = field(default_factory=list)
    """``{field, old, new}`` for scalar facts (decision, license, use, checks)."""
    findings_added: list[dict[str, str]] = field(default_factory=list)
    findings_removed: list[dict[str, str]] = field(default_factory=list)
    files_added: list[dict[str, Any]] = field(default_factory=list)
    files_removed: list[dict[str, Any]] = field(default_factory=list)
    files_changed: list[dict[str, Any]] = field(default_factory=list)
    vulns_added: list[str] = field(default_factory=list)
    vulns_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether the two versions state the same facts."""
        return not any(
            (
                self.changed,
                self.findings_added,
                self.findings_removed,
                self.files_added,
                self.files_removed,
                self.files_changed,
                self.vulns_added,
                self.vulns_removed,
            )
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "changed": self.changed,
            "findings_added": self.findings_added,
            "findings_removed": self.findings_removed,
            "files_added": self.files_added,
            "files_removed": self.files_removed,
            "files_changed": self.files_changed,
            "vulns_added": self.vulns_added,
            "vulns_removed": self.vulns_removed,
        }


def _scalars(passport: Mapping[str, Any], decision: str) -> dict[str, object]:
    lic = _map(passport.get("license"))
    use = _map(passport.get("use"))
    out: dict[str, object] = {"decision": decision}
    for key in ("id", "family", "status", "decision"):
        out[f"license.{key}"] = lic.get(key)
    out["license.flags"] = ", ".join(sorted(str(x) for x in _list(lic.get("flags"))))
    for key in ("profile", "customer_facing", "commercial"):
        out[f"use.{key}"] = use.get(key)
    for name, value in _map(passport.get("checks")).items():
        out[f"checks.{name}"] = _map(value).get("state")
    return out


def _finding_key(f: Mapping[str, str]) -> tuple[str, str, str]:
    return (f["rule_id"], f["location"], f["evidence"])


def diff_passports(
    old: Mapping[str, Any], new: Mapping[str, Any], *, old_decision: str, new_decision: str
) -> PassportDiff:
    """Compare two stored passports fact by fact."""
    a, b = _scalars(old, old_decision), _scalars(new, new_decision)
    changed = [
        {"field": k, "old": a.get(k), "new": b.get(k)}
        for k in sorted(a.keys() | b.keys())
        if a.get(k) != b.get(k)
    ]
    fa = {
        _finding_key(f): f
        for f in map(_finding, map(_map, _list(_map(old.get("report")).get("findings"))))
    }
    fb = {
        _finding_key(f): f
        for f in map(_finding, map(_map, _list(_map(new.get("report")).get("findings"))))
    }
    files_a = {
        str(_map(f).get("path")): _map(f) for f in _list(_map(old.get("identity")).get("files"))
    }
    files_b = {
        str(_map(f).get("path")): _map(f) for f in _list(_map(new.get("identity")).get("files"))
    }
    va = {
        f"{_map(v).get('id')} {_map(v).get('package')}"
        for v in _list(_map(old.get("vulns")).get("vulnerabilities"))
    }
    vb = {
        f"{_map(v).get('id')} {_map(v).get('package')}"
        for v in _list(_map(new.get("vulns")).get("vulnerabilities"))
    }
    return PassportDiff(
        changed=changed,
        findings_added=[fb[k] for k in sorted(fb.keys() - fa.keys())],
        findings_removed=[fa[k] for k in sorted(fa.keys() - fb.keys())],
        files_added=[dict(files_b[p]) for p in sorted(files_b.keys() - files_a.keys())],
        files_removed=[dict(files_a[p]) for p in sorted(files_a.keys() - files_b.keys())],
        files_changed=[
            {"path": p, "old": files_a[p].get("sha256"), "new": files_b[p].get("sha256")}
            for p in sorted(files_a.keys() & files_b.keys())
            if files_a[p].get("sha256") != files_b[p].get("sha256")
        ],
        vulns_added=sorted(vb - va),
        vulns_removed=sorted(va - vb),
    )


def sla_status(entry: SlaEntry, today: date) -> str:
    """``fixed``, ``accepted``, ``overdue``, ``due-soon`` (within ``DUE_SOON_DAYS``) or
    ``open``."""
    status = entry.status(today)
    if status == "open" and entry.due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due-soon"
    return status


_ORDER = {"overdue": 0, "due-soon": 1, "open": 2, "accepted": 3, "fixed": 4}


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaBoard:
    """One deployment's vulnerability clocks, worst first."""

    deployment: str
    items: tuple[tuple[SlaEntry, str], ...]
    """``(entry, status)`` pairs."""

    def count(self, status: str) -> int:
        """How many items have ``status``."""
        return sum(1 for _, s in self.items if s == status)

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "deployment": self.deployment,
            "items": [
                {
                    "vuln_id": e.vuln_id,
                    "package": e.package,
                    "version": e.version,
                    "severity": e.severity.label,
                    "first_seen": e.first_seen.isoformat(),
                    "due": e.due.isoformat(),
                    "fixed_on": e.fixed_on.isoformat() if e.fixed_on else None,
                    "status": s,
                    "accepted_by": e.exception.owner if e.exception else None,
                    "accepted_until": e.exception.expires.isoformat() if e.exception else None,
                }
                for e, s in self.items
            ],
        }


def sla_boards(entries: Iterable[SlaEntry], today: date) -> list[SlaBoard]:
    """The SLA board of every deployment, deployments with overdue items first."""
    grouped: dict[str, list[tuple[SlaEntry, str]]] = {}
    for entry in entries:
        grouped.setdefault(entry.deployment, []).append((entry, sla_status(entry, today)))
    boards = [
        SlaBoard(
            deployment=name,
            items=tuple(sorted(items, key=lambda i: (_ORDER[i[1]], i[0].due, i[0].vuln_id))),
        )
        for name, items in grouped.items()
    ]
    return sorted(boards, key=lambda b: (-b.count("overdue"), -b.count("due-soon"), b.deployment))


def burndown(
    entries: Iterable[SlaEntry], today: date, days: int = 30
) -> list[tuple[date, int, int]]:
    """``(day, open, overdue)`` for each of the last ``days`` days: items seen and not yet
    fixed on that day, and how many of them were past due; one pass over the entries."""
    start = today - timedelta(days=days - 1)
    opened = [0] * (days + 1)
    late = [0] * (days + 1)

    def span(counts: list[int], first: date, end: date | None) -> None:
        # +1 from ``first`` (clipped to the window) until the day before ``end``
        lo = max((first - start).days, 0)
        hi = days if end is None else min((end - start).days, days)
        if lo < hi:
            counts[lo] += 1
            counts[hi] -= 1

    for e in entries:
        span(opened, e.first_seen, e.fixed_on)
        span(late, max(e.first_seen, e.due + timedelta(days=1)), e.fixed_on)
    out = []
    live = overdue = 0
    for i in range(days):
        live += opened[i]
        overdue += late[i]
        out.append((start + timedelta(days=i), live, overdue))
    return out
