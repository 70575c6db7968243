"""Matching inventories: withdrawn records, alias groups, names, SLA dates, the real snapshot."""

from __future__ import annotations

from datetime import date

from modelsteward.findings import Severity
from modelsteward.vulns import (
    AdvisoryDatabase,
    Package,
    RiskException,
    SlaEntry,
    match_packages,
)
from tests.vulns.conftest import DbFactory, make_record

CRIT = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
TODAY = date(2026, 6, 1)


def _pkg(name: str = "demo-pkg", version: str = "1.0") -> Package:
    return Package(name, version, "requirements.txt")


def test_affected_package_gets_finding_and_vulnerability(make_db: DbFactory) -> None:
    db = make_db(make_record("PYSEC-1", aliases=["CVE-2025-1"], vector=CRIT))
    result = match_packages([_pkg()], db, today=TODAY)
    assert result.report.rule_ids() == {"vuln.osv.affected"}
    [vuln] = result.vulnerabilities
    assert vuln.to_dict() == {
        "id": "PYSEC-1",
        "aliases": ["CVE-2025-1"],
        "package": "demo-pkg",
        "version": "1.0",
        "fixed_in": ["2.0"],
        "severity": "critical",
        "summary": "summary of PYSEC-1",
        "sla_due": "2026-06-16",
    }
    finding = result.report.findings[0]
    assert finding.severity is Severity.CRITICAL
    assert finding.location.package == "demo-pkg"
    assert finding.refs == ("PYSEC-1", "CVE-2025-1")


def test_fixed_version_is_clean(make_db: DbFactory) -> None:
    db = make_db(make_record("PYSEC-1"))
    result = match_packages([_pkg(version="2.0")], db, today=TODAY)
    assert result.vulnerabilities == ()
    assert result.report.findings == ()


def test_withdrawn_record_is_never_reported(make_db: DbFactory) -> None:
    db = make_db(make_record("PYSEC-1", withdrawn="2026-01-01T00:00:00Z"))
    result = match_packages([_pkg()], db, today=TODAY)
    assert result.vulnerabilities == ()
    assert result.report.findings == ()


def test_aliases_merge_into_one_vulnerability(make_db: DbFactory) -> None:
    db = make_db(
        make_record("PYSEC-1", aliases=["CVE-2025-1"]),
        make_record("GHSA-aaaa-bbbb-cccc", aliases=["CVE-2025-1"], vector=CRIT),
        make_record("PYSEC-2", aliases=["CVE-2025-2"]),
    )
    result = match_packages([_pkg()], db, today=TODAY)
    assert len(result.vulnerabilities) == 2
    merged = next(v for v in result.vulnerabilities if v.id == "PYSEC-1")
    assert merged.aliases == ("CVE-2025-1", "GHSA-aaaa-bbbb-cccc")
    assert merged.severity is Severity.CRITICAL  # the worst of the group
    assert len(result.report.findings) == 2


def test_pep503_names_match_any_spelling(make_db: DbFactory) -> None:
    db = make_db(make_record("PYSEC-1", package="Llama_Index.Core"))
    result = match_packages([_pkg("llama-index-core")], db, today=TODAY)
    assert [v.id for v in result.vulnerabilities] == ["PYSEC-1"]
    result = match_packages([_pkg("LLAMA.index_core")], db, today=TODAY)
    assert [v.id for v in result.vulnerabilities] == ["PYSEC-1"]


def test_local_version_matches_its_release(make_db: DbFactory) -> None:
    db = make_db(
        make_record("PYSEC-1", package="torch", events=[{"introduced": "0"}, {"fixed": "2.5.0"}])
    )
    result = match_packages([_pkg("torch", "2.3.0+cu121")], db, today=TODAY)
    assert [v.version for v in result.vulnerabilities] == ["2.3.0+cu121"]
    assert result.vulnerabilities[0].fixed_in == ("2.5.0",)


def test_invalid_event_gives_ambiguous_finding(make_db: DbFactory) -> None:
    db = make_db(
        make_record(
            "PYSEC-2025-189",
            package="torch",
            events=[{"introduced": "0"}, {"last_affected": "2.6.0-cu124"}],
            vector=CRIT,
        )
    )
    result = match_packages([_pkg("torch", "2.3.0")], db, today=TODAY)
    assert result.vulnerabilities == ()
    assert result.report.rule_ids() == {"vuln.osv.ambiguous"}
    assert result.report.findings[0].refs == ("PYSEC-2025-189",)


def test_ambiguous_record_merged_with_a_decided_alias_is_affected(make_db: DbFactory) -> None:
    db = make_db(
        make_record("PYSEC-1", aliases=["CVE-1"], events=[{"introduced": "0"}, {"fixed": "1-NA"}]),
        make_record("GHSA-1", aliases=["CVE-1"]),
    )
    result = match_packages([_pkg()], db, today=TODAY)
    assert result.report.rule_ids() == {"vuln.osv.affected"}
    assert result.vulnerabilities[0].aliases == ("CVE-1", "GHSA-1")


def test_overdue_when_first_seen_long_ago(make_db: DbFactory) -> None:
    db = make_db(make_record("PYSEC-1", vector=CRIT))
    earlier = SlaEntry(
        deployment="prod",
        vuln_id="PYSEC-1",
        package="demo-pkg",
        version="1.0",
        severity=Severity.CRITICAL,
        first_seen=date(2026, 1, 1),
        due=date(2026, 1, 16),
    )
    result = match_packages([_pkg()], db, today=TODAY, state=[earlier], deployment="prod")
    assert result.vulnerabilities[0].sla_due == date(2026, 1, 16)
    assert result.report.rule_ids() == {"vuln.osv.affected", "vuln.sla.overdue"}
    accepted = SlaEntry(
        **{
            **{f: getattr(earlier, f) for f in earlier.__dataclass_fields__},
            "exception": RiskException(owner="alice", expires=date(2026, 12, 31)),
        }
    )
    result = match_packages([_pkg()], db, today=TODAY, state=[accepted], deployment="prod")
    assert result.report.rule_ids() == {"vuln.osv.affected", "vuln.sla.accepted"}
    expired = SlaEntry(
        **{
            **{f: getattr(earlier, f) for f in earlier.__dataclass_fields__},
            "exception": RiskException(owner="alice", expires=date(2026, 2, 1)),
        }
    )
    result = match_packages([_pkg()], db, today=TODAY, state=[expired], deployment="prod")
    assert result.report.rule_ids() == {
        "vuln.osv.affected",
        "vuln.sla.overdue",
        "vuln.sla.exception-expired",
    }


def test_to_sections_has_exactly_the_contract_keys(make_db: DbFactory) -> None:
    db = make_db(make_record("PYSEC-1"))
    sections = match_packages([_pkg()], db, today=TODAY).to_sections()
    assert set(sections) == {"packages", "vulnerabilities"}
    assert sections["packages"] == [
        {"name": "demo-pkg", "version": "1.0", "source": "requirements.txt"}
    ]


# --- the real snapshot -------------------------------------------------------------------


def test_snapshot_vllm_mooncake_rce(snapshot_db: AdvisoryDatabase) -> None:
    result = match_packages([_pkg("vllm", "0.8.4")], snapshot_db, today=TODAY)
    vuln = next(v for v in result.vulnerabilities if v.id == "PYSEC-2025-42")
    assert vuln.aliases == ("CVE-2025-32444", "GHSA-hj4w-hm2g-p6w5")
    assert vuln.fixed_in == ("0.8.5",)
    assert vuln.severity is Severity.CRITICAL
    fixed = match_packages([_pkg("vllm", "0.8.5")], snapshot_db, today=TODAY)
    assert "PYSEC-2025-42" not in {v.id for v in fixed.vulnerabilities}


def test_snapshot_torch_local_build_and_ambiguous_records(snapshot_db: AdvisoryDatabase) -> None:
    result = match_packages([_pkg("torch", "2.3.0+cu121")], snapshot_db, today=TODAY)
    ids = {v.id for v in result.vulnerabilities}
    assert "PYSEC-2024-259" in ids  # RemoteModule RCE, fixed in 2.5.0
    ambiguous = {f.refs[0] for f in result.report.findings if f.rule_id == "vuln.osv.ambiguous"}
    assert {"PYSEC-2025-189", "PYSEC-2025-192", "PYSEC-2025-210"} <= ambiguous


def test_snapshot_withdrawn_ollama_records_are_silent(snapshot_db: AdvisoryDatabase) -> None:
    result = match_packages([_pkg("ollama", "0.1.0")], snapshot_db, today=TODAY)
    assert result.vulnerabilities == ()
    assert result.report.findings == ()


def test_snapshot_transformers_rc_last_affected(snapshot_db: AdvisoryDatabase) -> None:
    # PYSEC-2025-217: last_affected 5.0.0-rc0 is 5.0.0rc0 under PEP 440
    before = match_packages([_pkg("transformers", "4.36.0")], snapshot_db, today=TODAY)
    assert "PYSEC-2025-217" in {v.id for v in before.vulnerabilities}
    after = match_packages([_pkg("transformers", "5.0.0")], snapshot_db, today=TODAY)
    assert "PYSEC-2025-217" not in {v.id for v in after.vulnerabilities}
