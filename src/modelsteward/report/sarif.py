"""SARIF 2.1.0 output for code-scanning UIs.

Each distinct rule id becomes a ``reportingDescriptor``; each finding a ``result`` with a
physical location (file, byte offset or line), a logical location for archive members,
packages and requests, and a ``partialFingerprints`` entry that stays the same across runs.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from modelsteward._version import VERSION
from modelsteward.findings import Finding, Rule, Severity
from modelsteward.report.interface import Document

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/modelsteward/modelsteward"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads this numeric property to rank security results.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def fingerprint(finding: Finding) -> str:
    """A stable identity for a finding: rule, file, member and evidence (not the message)."""
    loc = finding.location
    key = "\x1f".join(
        (
            finding.rule_id,
            loc.path,
            loc.member or "",
            loc.package or "",
            finding.evidence,
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _artifacts(listed: object) -> list[dict[str, object]]:
    """SARIF ``artifacts`` from a document's ``artifacts`` section (files with hashes)."""
    if not isinstance(listed, list):
        return []
    out: list[dict[str, object]] = []
    for item in listed:
        if not isinstance(item, dict) or not item.get("path"):
            continue
        entry: dict[str, object] = {
            "location": {"uri": quote(str(item["path"]).lstrip("/"))},
            "length": item.get("size", -1),
        }
        if item.get("sha256"):
            entry["hashes"] = {"sha-256": item["sha256"]}
        out.append(entry)
    return out


class SarifFormatter:
    """Renders a document as one SARIF 2.1.0 run."""

    def render(self, document: Document) -> str:
        """Return the SARIF JSON text."""
        return json.dumps(self.to_dict(document), indent=2, ensure_ascii=False) + "\n"

    def to_dict(self, document: Document) -> dict[str, object]:
        """The SARIF log as a JSON-ready object."""
        report = document.report
        rule_ids: list[str] = []
        for f in report.findings:
            if f.rule_id not in rule_ids:
                rule_ids.append(f.rule_id)
        index = {rid: i for i, rid in enumerate(rule_ids)}
        rules = [self._rule(rid, document.rules.get(rid), report.findings) for rid in rule_ids]
        results = [self._result(f, index[f.rule_id]) for f in report.findings]
        notifications = [
            {"level": "error", "message": {"text": f"{e.path}: {e.message}"}} for e in report.errors
        ]
        run: dict[str, object] = {
            "tool": {
                "driver": {
                    "name": "modelsteward",
                    "version": VERSION,
                    "semanticVersion": VERSION,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "invocations": [
                {
                    "executionSuccessful": not report.errors,
                    "toolExecutionNotifications": notifications,
                    "commandLine": f"modelsteward {document.command}",
                }
            ],
            "results": results,
        }
        artifacts = _artifacts(document.sections.get("artifacts"))
        if artifacts:
            run["artifacts"] = artifacts
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}

    @staticmethod
    def _rule(rule_id: str, rule: Rule | None, findings: tuple[Finding, ...]) -> dict[str, object]:
        if rule is None:
            first = next(f for f in findings if f.rule_id == rule_id)
            rule = Rule(id=rule_id, summary=first.message, severity=first.severity)
        help_text = rule.help or f"See the modelsteward documentation for {rule_id}."
        return {
            "id": rule_id,
            "name": "".join(p.capitalize() for p in rule_id.replace(".", "-").split("-")),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.summary},
            "help": {"text": help_text},
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
            "properties": {
                "security-severity": _SECURITY_SEVERITY[rule.severity],
                "tags": ["security", rule_id.split(".", 1)[0]],
            },
        }

    @staticmethod
    def _result(finding: Finding, rule_index: int) -> dict[str, object]:
        loc = finding.location
        text = finding.message
        if finding.evidence:
            text += f" Evidence: {finding.evidence[:500]}"
        location: dict[str, object] = {}
        if loc.path:
            physical: dict[str, object] = {
                "artifactLocation": {"uri": quote(loc.path.lstrip("/") if loc.path else "")}
            }
            region: dict[str, int] = {}
            if loc.offset is not None:
                region["byteOffset"] = loc.offset
            if loc.line is not None:
                region["startLine"] = loc.line
            if region:
                physical["region"] = region
            location["physicalLocation"] = physical
        logical = []
        if loc.member:
            logical.append({"fullyQualifiedName": loc.member, "kind": "resource"})
        if loc.package:
            logical.append({"fullyQualifiedName": loc.package, "kind": "module"})
        if loc.request_id:
            logical.append({"fullyQualifiedName": loc.request_id, "kind": "object"})
        if logical:
            location["logicalLocations"] = logical
        result: dict[str, object] = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index,
            "level": _LEVEL[finding.severity],
            "message": {"text": text},
            "partialFingerprints": {"modelsteward/v1": fingerprint(finding)},
            "properties": {"severity": finding.severity.label, "refs": list(finding.refs)},
        }
        if location:
            result["locations"] = [location]
        return result
