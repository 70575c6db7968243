"""``vulns`` as people read it: totals by severity, the smallest upgrade per package,
``--severity``, ``--ignore-unfixed``, ``--ignore`` with reason and expiry, whole summaries."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.findings import Severity
from modelsteward.vulns import Package, VulnError, match_packages
from modelsteward.vulns.triage import Ignore, Triage, parse_ignore, plan_upgrades, triage
from tests.vulns.conftest import DbFactory, make_record, write_zip

CRIT = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
LOW = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"
TODAY = date(2026, 6, 1)


def _records() -> list[dict[str, object]]:
    return [
        # Two branches: 1.4.2 fixes the 1.4 line, 1.5.1 the next; 1.4.2 is affected by B.
        make_record("PYSEC-A", "pkg", ({"introduced": "0"}, {"fixed": "1.4.2"}), vector=CRIT),
        make_record("PYSEC-B", "pkg", ({"introduced": "1.4.0"}, {"fixed": "1.5.1"}), vector=LOW),
        make_record("PYSEC-C", "pkg", ({"introduced": "0"},), vector=LOW),  # never fixed
        make_record("PYSEC-D", "other", ({"introduced": "0"}, {"fixed": "3.0.0rc1"}), vector=CRIT),
    ]


def test_smallest_upgrade_is_checked_against_the_advisories_ranges(make_db: DbFactory) -> None:
    db = make_db(*_records()[:2])
    result = match_packages([Package("pkg", "1.4.0")], db, today=TODAY)
    (plan,) = plan_upgrades(result.vulnerabilities, db, today=TODAY)
    # 1.4.2 fixes A but is still affected by B: the plan must go to 1.5.1.
    assert plan.to == "1.5.1" and plan.complete
    assert sorted(plan.fixes) == ["PYSEC-A", "PYSEC-B"]


def test_unfixable_vulnerability_leaves_the_best_partial_upgrade(make_db: DbFactory) -> None:
    db = make_db(*_records())
    result = match_packages([Package("pkg", "1.4.0"), Package("other", "2.0")], db, today=TODAY)
    plans = {p.package: p for p in plan_upgrades(result.vulnerabilities, db, today=TODAY)}
    assert plans["pkg"].to == "1.5.1" and plans["pkg"].remaining == ("PYSEC-C",)
    assert not plans["pkg"].complete
    # A pre-release fix counts as its final release for a final installed version.
    assert plans["other"].to == "3.0.0" and plans["other"].complete


def test_triage_filters_and_expired_ignores_come_back(make_db: DbFactory) -> None:
    db = make_db(*_records())
    result = match_packages([Package("pkg", "1.4.0")], db, today=TODAY)
    rules = Triage(
        ignore_unfixed=True,
        ignores=(
            Ignore(id="PYSEC-A", reason="not reachable", expires=date(2026, 12, 31)),
            Ignore(id="PYSEC-B", reason="old", expires=date(2026, 1, 1)),
        ),
    )
    out = triage(result, rules, TODAY)
    assert [v.id for v in out.result.vulnerabilities] == ["PYSEC-B"]
    assert [(v.id, i.reason) for v, i in out.ignored] == [("PYSEC-A", "not reachable")]
    assert out.unfixed_hidden == 1
    rules_fired = sorted(f.rule_id for f in out.result.report.findings)
    assert rules_fired == ["vuln.ignore.expired", "vuln.osv.affected"]
    high = triage(result, Triage(min_severity=Severity.HIGH), TODAY)
    assert [v.id for v in high.result.vulnerabilities] == ["PYSEC-A"]
    assert high.below_severity == 2


def test_parse_ignore_forms() -> None:
    assert parse_ignore("GHSA-1") == Ignore(id="GHSA-1")
    assert parse_ignore("GHSA-1:2027-01-31:vendor: patched") == Ignore(
        id="GHSA-1", reason="vendor: patched", expires=date(2027, 1, 31)
    )
    with pytest.raises(VulnError, match="invalid expiry date"):
        parse_ignore("GHSA-1:31/01/2027")


@pytest.fixture
def twelve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    long_details = "A very long description. " * 40
    records = [
        *_records(),
        make_record("PYSEC-E", "third", details=long_details, summary=""),
    ]
    data = tmp_path / "data"
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(data))
    assert run(["db", "update", "--from", str(write_zip(tmp_path / "all.zip", records))]) == 0
    req = tmp_path / "requirements.txt"
    lines = ["pkg==1.4.0", "other==2.0", "third==1.0"] + [f"clean{i}==1.0" for i in range(9)]
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return req


def test_table_is_one_screen_with_totals_and_upgrades(
    twelve: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["vulns", str(twelve), "--today", "2026-06-01"]) == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= 24
    assert "5 vulnerabilities in 3 of 12 packages" in out
    assert "1.5.1 (clears 2 of 3)" in out
    assert "3.0.0 (clears all)" in out
    assert "PYSEC-A" not in out  # the per-advisory rows only with --details
    capsys.readouterr()
    assert run(["vulns", str(twelve), "--details", "--today", "2026-06-01"]) == 1
    assert "PYSEC-A" in capsys.readouterr().out


def test_json_has_summary_upgrades_ignored_and_whole_summaries(
    twelve: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["vulns", str(twelve), "--format", "json", "--today", "2026-06-01"]
    argv += ["--ignore", "PYSEC-D:2026-12-31:vendored fix", "--severity", "low"]
    run(argv)
    body = json.loads(capsys.readouterr().out)
    assert body["summary"]["by_severity"]["critical"] == 1
    assert body["summary"]["ignored"] == 1
    assert body["ignored"] == [
        {"id": "PYSEC-D", "reason": "vendored fix", "expires": "2026-12-31",
         "package": "other", "version": "2.0"}
    ]  # fmt: skip
    upgrades = {u["package"]: u for u in body["upgrades"]}
    assert upgrades["pkg"]["upgrade_to"] == "1.5.1"
    assert upgrades["pkg"]["remaining"] == ["PYSEC-C"]
    third = next(v for v in body["vulnerabilities"] if v["id"] == "PYSEC-E")
    assert len(third["summary"]) > 900  # not cut at 200 characters
    assert all(f["refs"][0] != "PYSEC-D" for f in body["findings"])


def test_ignore_file_and_bad_severity(
    twelve: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n  - id: PYSEC-A\n    reason: behind auth\n    expires: 2026-12-31\n", "utf-8"
    )
    capsys.readouterr()
    run(["vulns", str(twelve), "--ignore-file", str(ignore), "--format", "json"])
    assert json.loads(capsys.readouterr().out)["summary"]["ignored"] == 1
    assert run(["vulns", str(twelve), "--severity", "urgent"]) == 2
    assert "hint: use --severity low|medium|high|critical" in capsys.readouterr().err
