"""The one vocabulary every check speaks: severities, locations, findings and reports.

This module depends on the standard library only, so that every layer can import it.
"""

from __future__ import annotations

import enum

from modelsteward._records import Frozen, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that comparisons work (``HIGH > MEDIUM``)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """The lowercase name used in JSON, SARIF and on the command line."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse a case-insensitive severity name.

        Raises:
            ValueError: when ``value`` names no severity.
        """
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r}; expected one of {names}") from None


class Location(Frozen, kw_only=True):
    """Where a finding was seen: a file (with archive member and byte offset), a package,
    or a request."""

    path: str = ""
    """The path as the user gave it, or a path below it."""
    member: str | None = None
    """The member inside an archive (``archive/data.pkl``)."""
    offset: int | None = None
    """Byte offset inside the file or member."""
    line: int | None = None
    """1-based line number in a text file."""
    package: str | None = None
    """A package name, for findings about an inventory."""
    request_id: str | None = None
    """A gateway request id, for findings about traffic."""

    def to_dict(self) -> dict[str, str | int]:
        """The JSON form: ``path`` always, the other keys only when set."""
        out: dict[str, str | int] = {"path": self.path}
        for key in ("member", "offset", "line", "package", "request_id"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def describe(self) -> str:
        """A short human form: ``path!member@offset``."""
        text = self.path or self.package or self.request_id or "-"
        if self.member:
            text += f"!{self.member}"
        if self.offset is not None:
            text += f"@{self.offset}"
        if self.line is not None:
            text += f":{self.line}"
        return text


class Finding(Frozen, kw_only=True):
    """One thing a check saw, with the rule that fired."""

    rule_id: str
    """Stable ``<area>.<check>.<what>`` id, e.g. ``scan.pickle.unsafe-global``."""
    severity: Severity
    message: str
    """One human sentence, without the severity."""
    location: Location = field(default_factory=Location)
    evidence: str = ""
    """Exactly what was seen: ``posix.system``, ``GPL-3.0-only``."""
    refs: tuple[str, ...] = ()
    """Advisory ids or URLs."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the Report contract."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.label,
            "message": self.message,
            "location": self.location.to_dict(),
            "evidence": self.evidence,
            "refs": list(self.refs),
        }


class Rule(Frozen, kw_only=True):
    """What a rule id means: shown as SARIF rule metadata and in the docs."""

    id: str
    summary: str
    """One line: what the rule detects."""
    help: str = ""
    """What to do about it."""
    severity: Severity = Severity.HIGH
    """The usual severity of its findings."""


class CheckError(Frozen):
    """A check that could not finish on one item."""

    path: str
    message: str


class Skipped(Frozen):
    """An item that was not examined, and why."""

    path: str
    reason: str


class Report(Frozen):
    """The result of any run: findings, errors and skipped items. Reports fold with ``merge``."""

    findings: tuple[Finding, ...] = ()
    errors: tuple[CheckError, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Report:
        """A report holding ``findings`` only."""
        return cls(findings=tuple(findings))

    def merge(self, *others: Report) -> Report:
        """A new report with the items of ``self`` followed by those of each of ``others``."""
        findings = list(self.findings)
        errors = list(self.errors)
        skipped = list(self.skipped)
        for other in others:
            findings.extend(other.findings)
            errors.extend(other.errors)
            skipped.extend(other.skipped)
        return Report(tuple(findings), tuple(errors), tuple(skipped))

    @property
    def max_severity(self) -> Severity | None:
        """The highest severity among the findings, or None when there are none."""
        return max((f.severity for f in self.findings), default=None)

    def at_least(self, severity: Severity) -> tuple[Finding, ...]:
        """The findings whose severity is ``severity`` or higher."""
        return tuple(f for f in self.findings if f.severity >= severity)

    def rule_ids(self) -> set[str]:
        """The distinct rule ids that fired."""
        return {f.rule_id for f in self.findings}

    def sorted(self) -> Report:
        """The same report with findings ordered by severity (highest first), then location."""
        ordered = sorted(
            self.findings,
            key=lambda f: (-f.severity, f.location.path, f.location.member or "", f.rule_id),
        )
        return Report(tuple(ordered), self.errors, self.skipped)

    def to_dict(self) -> dict[str, object]:
        """The findings, errors and skipped lists of the JSON Report contract."""
        return {
            "findings": [f.to_dict() for f in self.findings],
            "errors": [{"path": e.path, "message": e.message} for e in self.errors],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
        }
