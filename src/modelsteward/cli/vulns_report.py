"""How ``vulns`` shows a match: totals by severity, one row per package with the smallest
upgrade that clears it, and (``--details``) one row per vulnerability."""

from __future__ import annotations

from collections.abc import Sequence

from modelsteward.findings import Severity
from modelsteward.report import SummaryTable
from modelsteward.vulns import Package, Vulnerability
from modelsteward.vulns.rules import AMBIGUOUS
from modelsteward.vulns.triage import Triaged, Upgrade, package_key, severity_counts

_SUMMARY_CHARS = 70
"""Advisory summaries are cut to this in the ``--details`` table (JSON keeps them whole)."""


def summary_section(
    packages: Sequence[Package], triaged: Triaged, upgrades: Sequence[Upgrade]
) -> dict[str, object]:
    """The JSON ``summary`` key: counts that a CI job or a dashboard reads first."""
    vulns = triaged.result.vulnerabilities
    ambiguous = [f for f in triaged.result.report.findings if f.rule_id == AMBIGUOUS.id]
    return {
        "packages": len({package_key(p.name) for p in packages}),
        "vulnerable_packages": len({package_key(v.package) for v in vulns}),
        "vulnerabilities": len(vulns),
        "by_severity": severity_counts(vulns),
        "fixable": sum(1 for v in vulns if v.fixed_in),
        "cleared_by_upgrades": sum(len(u.fixes) for u in upgrades),
        "ambiguous": len(ambiguous),
        "ignored": len(triaged.ignored),
        "hidden_below_severity": triaged.below_severity,
        "hidden_unfixed": triaged.unfixed_hidden,
    }


def severity_table(summary: dict[str, object]) -> SummaryTable:
    """One row of totals."""
    counts = summary["by_severity"]
    assert isinstance(counts, dict)
    columns = ("total", *(label for label in counts if label != "info"), "with a fix")
    row = (
        str(summary["vulnerabilities"]),
        *(str(n) for label, n in counts.items() if label != "info"),
        str(summary["fixable"]),
    )
    for key, label in (
        ("ambiguous", "unsure"),
        ("ignored", "ignored"),
        ("hidden_below_severity", "below --severity"),
        ("hidden_unfixed", "unfixed, hidden"),
    ):
        if summary[key]:
            columns = (*columns, label)
            row = (*row, str(summary[key]))
    title = (
        f"{summary['vulnerabilities']} vulnerabilities in {summary['vulnerable_packages']} "
        f"of {summary['packages']} packages"
    )
    return SummaryTable(title=title, columns=columns, rows=(row,))


def package_table(triaged: Triaged, upgrades: Sequence[Upgrade]) -> SummaryTable:
    """One row per vulnerable package, most severe first, with its upgrade."""
    vulns = triaged.result.vulnerabilities
    unsure: dict[str, int] = {}
    for f in triaged.result.report.findings:
        if f.rule_id == AMBIGUOUS.id and f.location.package:
            key = package_key(f.location.package)
            unsure[key] = unsure.get(key, 0) + 1
    plans = {(package_key(u.package), u.installed): u for u in upgrades}
    groups: dict[tuple[str, str], list[Vulnerability]] = {}
    for vuln in vulns:
        groups.setdefault((package_key(vuln.package), vuln.version), []).append(vuln)

    def rank(item: tuple[tuple[str, str], list[Vulnerability]]) -> tuple[int, ...]:
        counts = severity_counts(item[1])
        return tuple(-n for n in counts.values())

    rows = []
    for (key, version), mine in sorted(groups.items(), key=rank):
        counts = severity_counts(mine)
        plan = plans.get((key, version))
        rows.append(
            (
                mine[0].package,
                version,
                str(len(mine)),
                *(str(counts[s.label]) for s in _SHOWN),
                str(unsure.pop(key, 0) or "-"),
                _upgrade_text(plan),
            )
        )
    return SummaryTable(
        title="by package: the smallest upgrade that clears each one",
        columns=(
            "package",
            "installed",
            "vulns",
            *(s.label for s in _SHOWN),
            "unsure",
            "upgrade to",
        ),
        rows=tuple(rows),
    )


_SHOWN = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def _upgrade_text(plan: Upgrade | None) -> str:
    if plan is None or plan.to is None:
        return "no fix published"
    if plan.complete:
        return f"{plan.to} (clears all)"
    cleared = f"clears {len(plan.fixes)} of {len(plan.vulnerabilities)}"
    newer = len(set(plan.remaining) - set(plan.vulnerabilities))
    return f"{plan.to} ({cleared}; {newer} newer remain)" if newer else f"{plan.to} ({cleared})"


def detail_table(vulns: Sequence[Vulnerability]) -> SummaryTable:
    """One row per vulnerability, most severe first."""
    ordered = sorted(vulns, key=lambda v: (-v.severity, v.package, v.id))
    rows = tuple(
        (
            v.id,
            f"{v.package} {v.version}",
            v.severity.label,
            ", ".join(v.fixed_in) or "-",
            v.sla_due.isoformat() if v.sla_due else "-",
            _cut(v.summary),
        )
        for v in ordered
    )
    return SummaryTable(
        title=f"vulnerabilities ({len(rows)})",
        columns=("id", "package", "severity", "fixed in", "sla due", "summary"),
        rows=rows,
    )


def _cut(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _SUMMARY_CHARS:
        return text or "-"
    head = text[: _SUMMARY_CHARS - 1].rsplit(" ", 1)[0]
    return head + "…"
