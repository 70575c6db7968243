from __future__ import annotations

import dataclasses

import pytest

from modelsteward.findings import CheckError, Finding, Location, Report, Severity, Skipped


def make_finding(**overrides: object) -> Finding:
    values: dict[str, object] = {
        "rule_id": "scan.pickle.unsafe-global",
        "severity": Severity.CRITICAL,
        "message": "The pickle calls posix.system.",
        "location": Location(path="m/pytorch_model.bin", member="archive/data.pkl", offset=12),
        "evidence": "posix.system",
    }
    values.update(overrides)
    return Finding(**values)  # type: ignore[arg-type]


def test_severity_orders_and_parses() -> None:
    assert Severity.CRITICAL > Severity.HIGH > Severity.MEDIUM > Severity.LOW > Severity.INFO
    assert Severity.parse(" High ") is Severity.HIGH
    assert Severity.HIGH.label == "high"
    with pytest.raises(ValueError, match="unknown severity 'severe'"):
        Severity.parse("severe")


def test_finding_is_frozen_and_keyword_only() -> None:
    finding = make_finding()
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.rule_id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Finding("a.b", Severity.LOW, "m")  # type: ignore[misc]


def test_location_json_keeps_only_set_keys() -> None:
    assert Location(path="a").to_dict() == {"path": "a"}
    loc = Location(path="a", member="b", offset=0)
    assert loc.to_dict() == {"path": "a", "member": "b", "offset": 0}
    assert loc.describe() == "a!b@0"


def test_merge_folds_all_three_lists_in_order() -> None:
    a = Report(findings=(make_finding(),), errors=(CheckError("x", "boom"),))
    b = Report(findings=(make_finding(severity=Severity.LOW),), skipped=(Skipped("y", "big"),))
    merged = a.merge(b, Report())
    assert [f.severity for f in merged.findings] == [Severity.CRITICAL, Severity.LOW]
    assert merged.errors == (CheckError("x", "boom"),)
    assert merged.skipped == (Skipped("y", "big"),)
    assert a.findings == (make_finding(),)  # inputs untouched


def test_at_least_and_max_severity() -> None:
    report = Report.of([make_finding(severity=Severity.LOW), make_finding()])
    assert report.max_severity is Severity.CRITICAL
    assert len(report.at_least(Severity.HIGH)) == 1
    assert Report().max_severity is None
    assert report.rule_ids() == {"scan.pickle.unsafe-global"}


def test_sorted_puts_highest_first() -> None:
    low = make_finding(severity=Severity.LOW)
    crit = make_finding()
    assert Report.of([low, crit]).sorted().findings == (crit, low)
