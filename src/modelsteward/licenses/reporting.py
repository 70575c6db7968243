"""Turn what was found about a model's license into flags and findings."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.findings import Finding, Location, Severity
from modelsteward.licenses.detect import TextIdentification
from modelsteward.licenses.diff import TextStatus
from modelsteward.licenses.evaluate import Decision, Verdict
from modelsteward.licenses.kb import KnowledgeBase
from modelsteward.licenses.lineage import LineageHit
from modelsteward.licenses.metadata import CardMetadata, DeclaredLicense
from modelsteward.licenses.rules import RULES, Flag

_MAX_DIFFS = 10
_STANDARD = frozenset({"permissive", "public-domain", "copyleft", "weak-copyleft"})


@dataclass(frozen=True, slots=True)
class FileScan:
    """One license file of a model and what was found in it."""

    relpath: str
    display: str
    ident: TextIdentification | None
    error: str | None = None

    @property
    def is_notice(self) -> bool:
        """NOTICE files carry attributions, not licenses; an unmatched one is no problem."""
        return self.relpath.lower().startswith("notice")


def closest_hint(scan: FileScan) -> str:
    """`` (closest: X, similarity 0.42)`` for a text that matched no license."""
    if scan.ident is None or not scan.ident.closest:
        return ""
    score = scan.ident.closest_similarity
    measured = f", similarity {score:.2f}" if score is not None else ""
    return f" (closest: {scan.ident.closest}{measured})"


def unknown_files(scans: list[FileScan]) -> list[FileScan]:
    """License files (not NOTICE) in which no license was recognised."""
    return [s for s in scans if not s.is_notice and (s.ident is None or not s.ident.matches)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """The license a model truly carries, and how that was decided."""

    license_id: str | None
    expression: str | None
    effective: tuple[str, ...]
    """Every license that binds the model (text, or metadata, plus inherited terms)."""
    text_ids: tuple[str, ...]
    status: TextStatus
    source: str | None
    closest: str | None
    declared: DeclaredLicense | None
    mismatch: bool
    conflict: tuple[str, ...]
    """Base licenses the model's own claim fails to carry."""
    inherited: bool
    code_only: tuple[str, ...] = ()
    """Licenses of files named for code (LICENSE-CODE) beside the weights' license."""


def collect_flags(
    identity: Identity, scans: list[FileScan], lineage: list[LineageHit]
) -> tuple[Flag, ...]:
    """The contract's flags, in a stable order."""
    statuses = {m.status for s in scans if s.ident for m in s.ident.matches}
    flags = {
        Flag.METADATA_MISSING: identity.declared is None,
        Flag.METADATA_NONSTANDARD_FORM: bool(identity.declared and identity.declared.nonstandard),
        Flag.METADATA_MISMATCH: identity.mismatch,
        Flag.TEXT_MODIFIED: TextStatus.MODIFIED in statuses,
        Flag.TEXT_TRUNCATED: TextStatus.TRUNCATED in statuses,
        Flag.TEXT_UNKNOWN: bool(unknown_files(scans)),
        Flag.LICENSE_TEXT_MISSING: not statuses and not unknown_files(scans),
        Flag.LINEAGE_LICENSE_CONFLICT: bool(identity.conflict),
        Flag.LINEAGE_LICENSE_INHERITED: identity.inherited,
        Flag.MULTIPLE_LICENSES: len(identity.effective) > 1,
    }
    del lineage
    return tuple(flag for flag, on in flags.items() if on)


def _finding(
    rule_id: str,
    message: str,
    path: str,
    *,
    evidence: str = "",
    severity: Severity | None = None,
    line: int | None = None,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity if severity is not None else RULES[rule_id].severity,
        message=message,
        location=Location(path=path, line=line),
        evidence=evidence,
    )


def _text_findings(scans: list[FileScan]) -> list[Finding]:
    out: list[Finding] = []
    for scan in scans:
        if scan.ident is None:
            if not scan.is_notice:
                out.append(
                    _finding(
                        "license.text.unknown",
                        f"{scan.relpath} could not be read: {scan.error}",
                        scan.display,
                    )
                )
            continue
        if not scan.ident.matches and not scan.is_notice:
            hint = closest_hint(scan)
            out.append(
                _finding(
                    "license.text.unknown",
                    f"{scan.relpath} matches no known license{hint}.",
                    scan.display,
                    evidence=scan.ident.closest or "",
                )
            )
        for match in scan.ident.matches:
            for diff in match.differences[:_MAX_DIFFS]:
                out.append(
                    _finding(
                        "license.text.modified",
                        f"{scan.relpath} departs from the canonical {match.license} text: "
                        f"{diff.describe()}.",
                        scan.display,
                        evidence=diff.found,
                        line=diff.line,
                    )
                )
            if match.status is TextStatus.TRUNCATED:
                al = match.alignment
                out.append(
                    _finding(
                        "license.text.truncated",
                        f"{scan.relpath} is a truncated {match.license} text: "
                        f"{al.missing_head} word(s) missing at the start, "
                        f"{al.missing_tail} at the end.",
                        scan.display,
                        evidence=match.license,
                    )
                )
    return out


def _metadata_findings(
    given: str, identity: Identity, meta: CardMetadata, kb: KnowledgeBase
) -> list[Finding]:
    card = f"{given.rstrip('/')}/{meta.card or 'README.md'}"
    declared = identity.declared
    out: list[Finding] = []
    if meta.error:
        out.append(_finding("license.metadata.invalid", f"{meta.card}: {meta.error}.", card))
    elif declared is None and identity.license_id is not None:
        out.append(
            _finding("license.metadata.missing", "The model card declares no license.", card)
        )
    if declared and declared.nonstandard:
        want = declared.license_id or "a Hub license id"
        out.append(
            _finding(
                "license.metadata.nonstandard",
                f"The card's license {declared.raw!r} is not in the Hub's standard "
                f"form (expected {want}).",
                card,
                evidence=declared.raw or "",
            )
        )
    if identity.mismatch and declared:
        out.append(
            _finding(
                "license.metadata.mismatch",
                f"The card declares {declared.raw!r} but the model is under "
                f"{identity.expression} ({identity.source}).",
                card,
                evidence=declared.raw or "",
            )
        )
    if identity.status is TextStatus.ABSENT and identity.license_id:
        info = kb.get(identity.license_id)
        low = info is not None and info.category in _STANDARD
        out.append(
            _finding(
                "license.text.missing",
                f"No license file; {identity.license_id} is known only from {identity.source}.",
                given,
                severity=Severity.LOW if low else Severity.MEDIUM,
                evidence=identity.license_id,
            )
        )
    if identity.license_id is None and identity.status is TextStatus.ABSENT:
        out.append(
            _finding(
                "license.absent",
                "No license text, card license or known base model license was found.",
                given,
            )
        )
    return out


def _lineage_findings(
    given: str, identity: Identity, lineage: list[LineageHit], unresolved: list[str]
) -> list[Finding]:
    out: list[Finding] = []
    claimed = (
        ", ".join(identity.text_ids) or (identity.declared.raw if identity.declared else "") or "?"
    )
    for base in identity.conflict:
        via = next((h for h in lineage if h.license == base), None)
        model = via.model if via else "base model"
        out.append(
            _finding(
                "license.lineage.conflict",
                f"The model claims {claimed} but derives from {model} under "
                f"{base}, whose terms it inherits.",
                given,
                evidence=base,
            )
        )
    if identity.inherited and identity.license_id:
        out.append(
            _finding(
                "license.lineage.inherited",
                f"The license {identity.license_id} is inherited from the base model.",
                given,
                evidence=identity.license_id,
            )
        )
    for base in unresolved:
        out.append(
            _finding(
                "license.lineage.unresolved",
                f"The license of base model {base} is unknown.",
                given,
                evidence=base,
            )
        )
    return out


_USE_RULES = {
    Decision.PROHIBITED: "license.use.prohibited",
    Decision.NEEDS_SEPARATE_LICENSE: "license.use.needs-separate-license",
    Decision.NEEDS_REVIEW: "license.use.needs-review",
    Decision.CONDITIONAL: "license.use.conditional",
}


def _use_findings(given: str, verdict: Verdict | None) -> list[Finding]:
    if verdict is None or verdict.decision not in _USE_RULES:
        return []
    parts = verdict.reasons or verdict.obligations
    why = "; ".join(p.rstrip(".") for p in parts)
    quote = verdict.clauses[0].quote if verdict.clauses else ""
    return [
        _finding(
            _USE_RULES[verdict.decision],
            f"Intended use: {verdict.decision.value}: {why}.",
            given,
            evidence=quote,
        )
    ]


def build_findings(
    *,
    given: str,
    identity: Identity,
    scans: list[FileScan],
    meta: CardMetadata,
    lineage: list[LineageHit],
    unresolved: list[str],
    verdict: Verdict | None,
    kb: KnowledgeBase,
) -> list[Finding]:
    """Every finding for one model: text, metadata, lineage, then the use."""
    findings = _text_findings(scans)
    findings += _metadata_findings(given, identity, meta, kb)
    if len(identity.effective) > 1:
        findings.append(
            _finding(
                "license.text.multiple",
                f"Several licenses apply: {identity.expression}.",
                given,
                evidence=identity.expression or "",
            )
        )
    findings += _lineage_findings(given, identity, lineage, unresolved)
    findings += _use_findings(given, verdict)
    return findings
