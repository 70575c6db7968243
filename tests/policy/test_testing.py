"""Policy unit tests: fixtures, expectations, discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.policy import PolicyError, default_policy
from modelsteward.policy.testing import discover, run_policy_tests
from tests.policy.passports import make_license, make_passport

SUITE = """\
today: 2026-11-27
cases:
  - name: clean model is approved
    passport_file: clean.json
    expect: {outcome: approve, roles: []}
  - name: unsafe pickle is rejected
    passport:
      identity: {name: org/trojan, source: models/trojan}
      license: {id: apache-2.0, decision: allowed}
      checks: {license: {state: ok}, scan: {state: ok}, vulns: {state: ok}}
      report:
        findings:
          - rule_id: scan.pickle.unsafe-global
            severity: critical
            message: calls os.system
            location: {path: models/trojan/pytorch_model.bin, member: archive/data.pkl}
    expect:
      outcome: reject
      reasons: [scan-severity]
      findings: [scan.pickle.unsafe-global]
  - name: conflicting license waits for legal
    passport_file: finetune.json
    expect: {outcome: needs_review, roles: [legal], reasons: [review-legal]}
"""


def _write_fixtures(root: Path) -> None:
    (root / "clean.json").write_text(json.dumps(make_passport().to_dict()), encoding="utf-8")
    finetune = make_passport(license=make_license(flags=("lineage_license_conflict",)))
    # a whole `vet --format json` output is accepted too
    doc = {"tool": {}, "passport": finetune.to_dict()}
    (root / "finetune.json").write_text(json.dumps(doc), encoding="utf-8")


def test_suite_passes_against_the_default_policy(tmp_path: Path) -> None:
    _write_fixtures(tmp_path)
    (tmp_path / "default_test.yaml").write_text(SUITE, encoding="utf-8")
    results = run_policy_tests([tmp_path], default=default_policy())
    assert [r.passed for r in results] == [True, True, True], [r.failures for r in results]


def test_a_wrong_expectation_fails_with_a_message(tmp_path: Path) -> None:
    _write_fixtures(tmp_path)
    suite = SUITE.replace("expect: {outcome: approve, roles: []}", "expect: {outcome: reject}")
    (tmp_path / "test_wrong.yaml").write_text(suite, encoding="utf-8")
    first = run_policy_tests([tmp_path], default=default_policy())[0]
    assert not first.passed
    assert first.failures == ("outcome is approve, expected reject",)


def test_a_policy_named_in_the_file_is_used(tmp_path: Path) -> None:
    _write_fixtures(tmp_path)
    (tmp_path / "empty.yaml").write_text("version: 1\nrules: []\n", encoding="utf-8")
    suite = "policy: empty.yaml\ncases:\n  - name: c\n    passport_file: clean.json\n"
    (tmp_path / "e_test.yaml").write_text(suite + "    expect: {outcome: reject}\n", "utf-8")
    (result,) = run_policy_tests([tmp_path / "e_test.yaml"], default=default_policy())
    assert result.passed


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("cases: []\n", "cases"),
        ("cases:\n  - {name: n, expect: {outcome: approve}}\n", "exactly one"),
        ("cases:\n  - {name: n, passport: {identity: {}}, expect: {outcome: approve}}\n", "case"),
        ("cases:\n  - {name: n, passport_file: nope.json, expect: {outcome: approve}}\n", "nope"),
    ],
)
def test_bad_test_files_are_policy_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad_test.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=match):
        run_policy_tests([path], default=default_policy())


def test_discovery_needs_test_files(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="no policy test files"):
        discover(tmp_path)
    with pytest.raises(PolicyError, match="no such file"):
        discover(tmp_path / "missing")
