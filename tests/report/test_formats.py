from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from modelsteward._version import VERSION
from modelsteward.findings import CheckError, Finding, Location, Report, Rule, Severity, Skipped
from modelsteward.report import Document, OutputFormat, SummaryTable, render
from modelsteward.report.sarif import fingerprint

REPO = Path(__file__).resolve().parents[2]
REPORT_SCHEMA = json.loads(
    (REPO / "src" / "modelsteward" / "schemas" / "report.schema.json").read_text()
)
SARIF_SCHEMA = json.loads(
    (REPO / "tests" / "schemas" / "sarif-2.1.0-subset.schema.json").read_text()
)

FINDINGS = (
    Finding(
        rule_id="scan.pickle.unsafe-global",
        severity=Severity.CRITICAL,
        message="Loading this file calls posix.system.",
        location=Location(path="m/pytorch_model.bin", member="archive/data.pkl", offset=1234),
        evidence="posix.system",
        refs=("GHSA-xxxx-yyyy-zzzz",),
    ),
    Finding(
        rule_id="vuln.osv.affected",
        severity=Severity.HIGH,
        message="vllm 0.8.4 is affected by PYSEC-2025-42.",
        location=Location(path="requirements.txt", package="vllm", line=3),
        evidence="vllm==0.8.4",
    ),
    Finding(
        rule_id="license.metadata.mismatch",
        severity=Severity.MEDIUM,
        message="The card says mit; the base model is under llama3.",
        location=Location(path="models/ft dir/README.md"),
    ),
    Finding(
        rule_id="safety.guard.pii",
        severity=Severity.LOW,
        message="An email address was redacted.",
        location=Location(request_id="req-1"),
    ),
)
DOC = Document(
    command="scan",
    report=Report(
        findings=FINDINGS,
        errors=(CheckError("m/broken.onnx", "parser crashed"),),
        skipped=(Skipped("m/huge.bin", "larger than max_file_bytes"),),
    ),
    sections={"results": [{"path": "m", "ok": False}]},
    summary=(SummaryTable(title="models", columns=("model", "verdict"), rows=(("m", "bad"),)),),
    rules={
        "scan.pickle.unsafe-global": Rule(
            id="scan.pickle.unsafe-global",
            summary="A pickle imports a callable that can run code.",
            help="Do not load the file; ask the publisher for safetensors.",
            severity=Severity.CRITICAL,
        )
    },
)


def test_json_matches_the_report_contract_schema() -> None:
    data = json.loads(render(DOC, OutputFormat.JSON))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(data)
    assert data["tool"] == {"name": "modelsteward", "version": VERSION}
    assert data["findings"][0]["location"] == {
        "path": "m/pytorch_model.bin",
        "member": "archive/data.pkl",
        "offset": 1234,
    }
    assert data["results"] == [{"path": "m", "ok": False}]


def test_report_schema_rejects_a_broken_report() -> None:
    data = json.loads(render(DOC, OutputFormat.JSON))
    data["findings"][0]["severity"] = "severe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(data)


def test_sections_may_not_overwrite_report_fields() -> None:
    bad = Document(command="x", report=Report(), sections={"findings": []})
    with pytest.raises(ValueError, match="overwrite"):
        render(bad, OutputFormat.JSON)


def test_sarif_validates_against_the_spec_schema() -> None:
    sarif = json.loads(render(DOC, OutputFormat.SARIF))
    jsonschema.Draft202012Validator(
        SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()
    ).validate(sarif)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f.rule_id for f in FINDINGS]
    assert rules[0]["help"]["text"].startswith("Do not load")
    first = run["results"][0]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"] == {"byteOffset": 1234}
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "archive/data.pkl"
    assert run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "models/ft%20dir/README.md"
    )
    assert (
        "locations" not in run["results"][3]
        or "physicalLocation" not in run["results"][3]["locations"][0]
    )
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_schema_rejects_a_misspelt_property() -> None:
    sarif = json.loads(render(DOC, OutputFormat.SARIF))
    sarif["runs"][0]["results"][0]["rule_id"] = "oops"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SARIF_SCHEMA).validate(sarif)


def test_fingerprints_are_stable_and_ignore_wording() -> None:
    a = FINDINGS[0]
    reworded = Finding(
        rule_id=a.rule_id,
        severity=a.severity,
        message="Other words.",
        location=a.location,
        evidence=a.evidence,
    )
    assert fingerprint(a) == fingerprint(reworded)
    assert fingerprint(a) != fingerprint(FINDINGS[1])
    assert len({fingerprint(f) for f in FINDINGS}) == len(FINDINGS)


def test_table_lists_summary_findings_errors_and_skips() -> None:
    text = render(DOC, OutputFormat.TABLE)
    for needle in ("models", "scan.pickle.unsafe-global", "critical", "parser crashed", "skipped"):
        assert needle in text
    assert "\x1b[" not in text  # no colour codes unless asked
    assert text.index("critical") < text.index("low")


def test_markdown_and_cyclonedx_need_a_command_that_offers_them() -> None:
    with pytest.raises(ValueError, match="no markdown output"):
        render(DOC, OutputFormat.MARKDOWN)
    with pytest.raises(ValueError, match="no CycloneDX output"):
        render(DOC, OutputFormat.CYCLONEDX)


def test_golden_outputs(golden: Callable[[str, str], None]) -> None:
    golden("report.json", render(DOC, OutputFormat.JSON).replace(VERSION, "<version>"))
    golden("report.sarif", render(DOC, OutputFormat.SARIF).replace(VERSION, "<version>"))
