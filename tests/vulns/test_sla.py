"""SLA policy, KEV/EPSS data, the JSON state store, and severity scoring."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from modelsteward.findings import Severity
from modelsteward.vulns import (
    JsonSlaStateStore,
    RiskException,
    SlaEntry,
    SlaPolicy,
    ThreatData,
    VulnError,
    accept_risk,
    load_epss,
    load_kev,
    parse_advisory,
    rate,
    record_sightings,
)
from tests.vulns.conftest import make_record

DAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("severity", "due"),
    [
        (Severity.CRITICAL, date(2026, 1, 16)),
        (Severity.HIGH, date(2026, 1, 31)),
        (Severity.MEDIUM, date(2026, 4, 1)),
        (Severity.LOW, date(2026, 6, 30)),
    ],
)
def test_default_days(severity: Severity, due: date) -> None:
    assert SlaPolicy().due(DAY, severity, ["CVE-1"]) == (due, "severity")


def test_kev_takes_the_earlier_of_its_due_date_and_14_days() -> None:
    late = SlaPolicy(threat=ThreatData(kev={"CVE-1": date(2026, 3, 1)}))
    assert late.due(DAY, Severity.LOW, ["PYSEC-1", "CVE-1"]) == (date(2026, 1, 15), "kev")
    early = SlaPolicy(threat=ThreatData(kev={"CVE-1": date(2026, 1, 5)}))
    assert early.due(DAY, Severity.LOW, ["CVE-1"]) == (date(2026, 1, 5), "kev")


def test_epss_raises_one_tier() -> None:
    policy = SlaPolicy(threat=ThreatData(epss={"CVE-1": 0.4, "CVE-2": 0.01}))
    assert policy.due(DAY, Severity.MEDIUM, ["CVE-1"]) == (date(2026, 1, 31), "epss")
    assert policy.due(DAY, Severity.MEDIUM, ["CVE-2"])[1] == "severity"


def test_policy_overrides_days() -> None:
    policy = SlaPolicy(days={Severity.CRITICAL: 7})
    assert policy.due(DAY, Severity.CRITICAL, [])[0] == date(2026, 1, 8)


def test_load_kev_and_epss(tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(
        json.dumps({"vulnerabilities": [{"cveID": "CVE-2025-1", "dueDate": "2026-02-01"}]})
    )
    assert load_kev(kev) == {"CVE-2025-1": date(2026, 2, 1)}
    epss = tmp_path / "epss.csv.gz"
    epss.write_bytes(
        gzip.compress(b"#model_version:v2025\ncve,epss,percentile\nCVE-2025-1,0.5,0.9\n")
    )
    assert load_epss(epss) == {"CVE-2025-1": 0.5}
    with pytest.raises(VulnError):
        load_kev(epss)


def _entry(vuln: str = "PYSEC-1", version: str = "1.0") -> SlaEntry:
    return SlaEntry(
        deployment="prod",
        vuln_id=vuln,
        package="demo-pkg",
        version=version,
        severity=Severity.HIGH,
        first_seen=DAY,
        due=date(2026, 1, 31),
    )


def test_state_store_round_trip_and_clock_stops_when_fixed(tmp_path: Path) -> None:
    store = JsonSlaStateStore(tmp_path / "state" / "sla.json")
    assert store.entries() == []
    record_sightings(store, "prod", [_entry("PYSEC-1"), _entry("PYSEC-2")], DAY)
    assert {e.vuln_id for e in store.entries()} == {"PYSEC-1", "PYSEC-2"}
    record_sightings(store, "prod", [_entry("PYSEC-1")], date(2026, 1, 10))
    fixed = {e.vuln_id: e.fixed_on for e in store.entries()}
    assert fixed == {"PYSEC-1": None, "PYSEC-2": date(2026, 1, 10)}
    assert store.entries()[0].status(date(2026, 2, 1)) == "overdue"


def test_accepted_risk_has_owner_and_expiry(tmp_path: Path) -> None:
    store = JsonSlaStateStore(tmp_path / "sla.json")
    record_sightings(store, "prod", [_entry()], DAY)
    exception = RiskException(owner="alice", expires=date(2026, 3, 1), reason="not exposed")
    accept_risk(store, deployment="prod", vuln_id="pysec-1", exception=exception, today=DAY)
    [entry] = store.entries()
    assert entry.exception == exception
    assert entry.status(date(2026, 2, 15)) == "accepted"
    assert entry.status(date(2026, 3, 2)) == "overdue"
    # the exception survives the next sighting
    record_sightings(store, "prod", [_entry(version="1.1")], date(2026, 2, 1))
    assert store.entries()[0].exception == exception
    with pytest.raises(VulnError):
        accept_risk(store, deployment="prod", vuln_id="PYSEC-404", exception=exception, today=DAY)


def test_accepting_a_risk_with_an_expiry_in_the_past_is_refused(tmp_path: Path) -> None:
    store = JsonSlaStateStore(tmp_path / "sla.json")
    record_sightings(store, "prod", [_entry()], DAY)
    ended = RiskException(owner="alice", expires=DAY - timedelta(days=1), reason="too late")
    with pytest.raises(VulnError, match="before today"):
        accept_risk(store, deployment="prod", vuln_id="PYSEC-1", exception=ended, today=DAY)
    assert store.entries()[0].exception is None
    same_day = RiskException(owner="alice", expires=DAY, reason="ends tonight")
    accept_risk(store, deployment="prod", vuln_id="PYSEC-1", exception=same_day, today=DAY)
    assert store.entries()[0].exception == same_day


def test_corrupt_state_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "sla.json"
    path.write_text("[]")
    with pytest.raises(VulnError):
        JsonSlaStateStore(path).entries()


@pytest.mark.parametrize(
    ("severity", "expected", "method"),
    [
        (
            [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            Severity.CRITICAL,
            "CVSSv31",
        ),
        (
            [{"type": "CVSS_V3", "score": "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
            Severity.MEDIUM,
            "CVSSv3",
        ),
        # v4 wins over v3 when both are present
        (
            [
                {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                {
                    "type": "CVSS_V4",
                    "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
                },
            ],
            Severity.MEDIUM,
            "CVSSv4",
        ),
        ([{"type": "CVSS_V3", "score": "garbage"}], Severity.MEDIUM, "unknown"),
        ([], Severity.MEDIUM, "unknown"),
    ],
)
def test_severity_from_cvss(
    severity: list[dict[str, str]], expected: Severity, method: str
) -> None:
    advisory = parse_advisory({**make_record("X-1"), "severity": severity})
    rating = rate(advisory)
    assert (rating.severity, rating.method) == (expected, method)


def test_severity_falls_back_to_the_record_rating() -> None:
    record = {**make_record("GHSA-1"), "database_specific": {"severity": "MODERATE"}}
    assert rate(parse_advisory(record)).severity is Severity.MEDIUM
