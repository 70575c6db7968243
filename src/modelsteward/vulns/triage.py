"""What to do about a match: filter it, ignore with a reason, and plan the upgrades.

The matcher reports every vulnerability; people act per package. This module narrows the
list the way a team asks for it (a minimum severity, only what has a fix, ignores with a
reason and an expiry) and finds, per package, the smallest upgrade that clears it, by
asking the same advisory database about each candidate version, so the answer follows the
advisories' exact ranges rather than a guess from the "fixed in" list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from packaging.version import Version

from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.vulns.db import AdvisoryDatabase
from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.match import Vulnerability, VulnResult, match_packages
from modelsteward.vulns.osv import normalize_name
from modelsteward.vulns.package import Package
from modelsteward.vulns.ranges import parse_version
from modelsteward.vulns.rules import IGNORE_EXPIRED

_MAX_CANDIDATES = 64
"""Versions tried per package when planning its upgrade (bounded work on huge histories)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ignore:
    """One vulnerability the team chose not to report, with why and until when."""

    id: str
    reason: str = ""
    expires: date | None = None

    def active(self, today: date) -> bool:
        """Whether the entry still applies on ``today`` (it ends on its expiry date)."""
        return self.expires is None or today < self.expires

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "id": self.id,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
        }


def parse_ignore(text: str) -> Ignore:
    """``ID``, ``ID:YYYY-MM-DD`` or ``ID:YYYY-MM-DD:reason`` (an empty date never expires).

    Raises:
        VulnError: when the id is empty or the date is not ``YYYY-MM-DD``.
    """
    ident, _, rest = text.strip().partition(":")
    when, _, reason = rest.partition(":")
    if not ident:
        raise VulnError(f"invalid --ignore {text!r}", hint="use ID[:YYYY-MM-DD[:REASON]]")
    return Ignore(id=ident.strip(), reason=reason.strip(), expires=_date(when, text))


def load_ignore_file(path: Path) -> list[Ignore]:
    """Read an ignore file: YAML with ``ignore:`` holding ``{id, reason, expires}`` items.

    Raises:
        VulnError: when the file cannot be read or has the wrong shape.
    """
    import yaml

    hint = "write ignore: [{id: GHSA-..., reason: ..., expires: YYYY-MM-DD}]"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VulnError(
            f"cannot read {path}: {exc.strerror or exc}", hint="check the path"
        ) from exc
    except yaml.YAMLError as exc:
        raise VulnError(f"{path} is not valid YAML", hint=hint) from exc
    items = data.get("ignore") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise VulnError(f"{path} has no ignore: list", hint=hint)
    out: list[Ignore] = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("id") or "").strip():
            raise VulnError(f"{path}: every ignore entry needs an id", hint=hint)
        expires = item.get("expires")
        out.append(
            Ignore(
                id=str(item["id"]).strip(),
                reason=str(item.get("reason") or "").strip(),
                expires=expires
                if isinstance(expires, date)
                else _date(str(expires or ""), str(path)),
            )
        )
    return out


def _date(text: str, where: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise VulnError(f"invalid expiry date {text!r} in {where}", hint="use YYYY-MM-DD") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class Triage:
    """How to narrow a match."""

    min_severity: Severity = Severity.INFO
    ignore_unfixed: bool = False
    ignores: Sequence[Ignore] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Triaged:
    """A match after triage: what is reported, and what was left out and why."""

    result: VulnResult
    """The match narrowed to what is reported (vulnerabilities and their findings)."""
    ignored: tuple[tuple[Vulnerability, Ignore], ...]
    below_severity: int
    unfixed_hidden: int


def triage(result: VulnResult, rules: Triage, today: date) -> Triaged:
    """Apply ``rules`` to ``result``; expired ignores add a ``vuln.ignore.expired`` finding
    and no longer hide anything."""
    ignores = {i.id.upper(): i for i in rules.ignores}
    kept: list[Vulnerability] = []
    ignored: list[tuple[Vulnerability, Ignore]] = []
    expired: list[Finding] = []
    dropped: set[str] = set()
    below = unfixed = 0
    for vuln in result.vulnerabilities:
        entry = next((ignores[i.upper()] for i in vuln.ids if i.upper() in ignores), None)
        if entry is not None and entry.active(today):
            ignored.append((vuln, entry))
            dropped.add(vuln.id)
            continue
        if entry is not None:
            expired.append(_expired(vuln, entry))
        if vuln.severity < rules.min_severity:
            below += 1
            dropped.add(vuln.id)
        elif rules.ignore_unfixed and not vuln.fixed_in:
            unfixed += 1
            dropped.add(vuln.id)
        else:
            kept.append(vuln)
    findings = [f for f in result.report.findings if _keeps(f, dropped, ignores, rules, today)]
    report = Report(
        findings=tuple(findings + expired),
        errors=result.report.errors,
        skipped=result.report.skipped,
    )
    narrowed = replace(result, vulnerabilities=tuple(kept), report=report)
    return Triaged(
        result=narrowed, ignored=tuple(ignored), below_severity=below, unfixed_hidden=unfixed
    )


def _keeps(
    finding: Finding,
    dropped: set[str],
    ignores: Mapping[str, Ignore],
    rules: Triage,
    today: date,
) -> bool:
    if not finding.refs:
        return True
    if finding.refs[0] in dropped:
        return False
    entry = next((ignores[r.upper()] for r in finding.refs if r.upper() in ignores), None)
    if entry is not None and entry.active(today):
        return False
    return finding.severity >= rules.min_severity


def _expired(vuln: Vulnerability, entry: Ignore) -> Finding:
    assert entry.expires is not None
    why = f" ({entry.reason})" if entry.reason else ""
    return Finding(
        rule_id=IGNORE_EXPIRED.id,
        severity=Severity.LOW,
        message=f"the ignore entry for {vuln.id} on {vuln.package} {vuln.version}{why} "
        f"expired on {entry.expires.isoformat()}; it is reported again",
        location=Location(path=vuln.source or "-", package=vuln.package),
        refs=vuln.ids,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Upgrade:
    """The smallest known upgrade of one package and what it clears."""

    package: str
    installed: str
    vulnerabilities: tuple[str, ...]
    """The ids reported on the installed version."""
    to: str | None
    """The version to upgrade to; None when no published fix clears anything."""
    fixes: tuple[str, ...] = ()
    """The reported ids that the upgrade clears."""
    remaining: tuple[str, ...] = ()
    """Advisories that still affect ``to`` (reported ones without a fix, or newer ones)."""

    @property
    def complete(self) -> bool:
        """Whether ``to`` has no known vulnerability at all."""
        return self.to is not None and not self.remaining

    def to_dict(self) -> dict[str, object]:
        """The ``upgrades`` item of the JSON contract."""
        return {
            "package": self.package,
            "installed": self.installed,
            "upgrade_to": self.to,
            "fixes": list(self.fixes),
            "remaining": list(self.remaining),
            "vulnerabilities": list(self.vulnerabilities),
        }


def plan_upgrades(
    vulns: Iterable[Vulnerability],
    db: AdvisoryDatabase,
    *,
    today: date,
    rules: Triage | None = None,
) -> tuple[Upgrade, ...]:
    """Per package with reported vulnerabilities, the smallest version among the published
    fixes that leaves nothing ``rules`` would report; when none does, the one that leaves
    fewest. A pre-release fix counts as its final release unless the installed version is a
    pre-release. Packages come in the order of their first vulnerability."""
    by_package: dict[tuple[str, str], list[Vulnerability]] = {}
    for vuln in vulns:
        by_package.setdefault((vuln.package, vuln.version), []).append(vuln)
    wanted = rules or Triage()
    return tuple(
        _plan(name, version, mine, db, today, wanted)
        for (name, version), mine in by_package.items()
    )


def _reported(vuln: Vulnerability, rules: Triage, today: date) -> bool:
    ignores = {i.id.upper(): i for i in rules.ignores}
    for ident in vuln.ids:
        entry = ignores.get(ident.upper())
        if entry is not None and entry.active(today):
            return False
    if vuln.severity < rules.min_severity:
        return False
    return not (rules.ignore_unfixed and not vuln.fixed_in)


def _candidates(mine: list[Vulnerability], version: str) -> list[str]:
    installed = parse_version(version)
    found: set[Version] = set()
    for vuln in mine:
        for fix in vuln.fixed_in:
            parsed = parse_version(fix)
            if parsed is None:
                continue
            if parsed.is_prerelease and not (installed is not None and installed.is_prerelease):
                parsed = Version(parsed.base_version)
            if installed is None or parsed > installed:
                found.add(parsed)
    return [str(v) for v in sorted(found)[:_MAX_CANDIDATES]]


def _plan(
    name: str,
    version: str,
    mine: list[Vulnerability],
    db: AdvisoryDatabase,
    today: date,
    rules: Triage,
) -> Upgrade:
    ids = tuple(v.id for v in mine)
    best: Upgrade | None = None
    for text in _candidates(mine, version):
        after = match_packages([Package(name=name, version=text)], db, today=today)
        still = {i.upper() for v in after.vulnerabilities for i in v.ids}
        fixes = tuple(v.id for v in mine if not any(i.upper() in still for i in v.ids))
        remaining = tuple(v.id for v in after.vulnerabilities if _reported(v, rules, today))
        option = Upgrade(
            package=name,
            installed=version,
            vulnerabilities=ids,
            to=text,
            fixes=fixes,
            remaining=remaining,
        )
        if not remaining:
            return option
        if best is None or len(option.remaining) < len(best.remaining):
            best = option
    if best is not None and best.fixes:
        return best
    return Upgrade(
        package=name,
        installed=version,
        vulnerabilities=ids,
        to=None,
        remaining=ids,
    )


def severity_counts(vulns: Iterable[Vulnerability]) -> dict[str, int]:
    """Vulnerabilities per severity label, most severe first (zeros included)."""
    counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for vuln in vulns:
        counts[vuln.severity.label] += 1
    return counts


def package_key(name: str) -> str:
    """The PEP 503 form used to group packages."""
    return normalize_name(name)
