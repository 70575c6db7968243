"""The registry keeps the vulnerability SLA clocks through the ``vulns`` seam, audited."""

from __future__ import annotations

from datetime import date

from modelsteward.findings import Severity
from modelsteward.registry import RegistryService
from modelsteward.vulns import RiskException, SlaEntry, SlaStateStore, accept_risk, record_sightings


def _entry(vuln: str, version: str = "0.8.4") -> SlaEntry:
    return SlaEntry(
        deployment="prod-eu-1",
        vuln_id=vuln,
        package="vllm",
        version=version,
        severity=Severity.CRITICAL,
        first_seen=date(2026, 11, 1),
        due=date(2026, 11, 8),
    )


def test_clocks_open_fix_and_accept_risk(registry: RegistryService) -> None:
    store: SlaStateStore = registry.sla_state()
    day = date(2026, 11, 2)
    record_sightings(store, "prod-eu-1", [_entry("GHSA-1"), _entry("GHSA-2")], day)
    assert [e.vuln_id for e in registry.open_items()] == ["GHSA-1", "GHSA-2"]
    exception = RiskException(owner="sec-team", expires=date(2026, 12, 1), reason="mitigated")
    accept_risk(store, deployment="prod-eu-1", vuln_id="GHSA-2", exception=exception, today=day)
    record_sightings(store, "prod-eu-1", [_entry("GHSA-2")], date(2026, 11, 5))
    entries = {e.vuln_id: e for e in store.entries()}
    assert entries["GHSA-1"].fixed_on == date(2026, 11, 5)
    assert entries["GHSA-2"].exception == exception
    assert entries["GHSA-2"].status(date(2026, 11, 10)) == "accepted"
    assert [e.vuln_id for e in registry.open_items()] == ["GHSA-2"]
    store.upsert([entries["GHSA-2"]])  # unchanged: no audit entry
    result = registry.audit_verify()
    assert result.ok and result.count == 4  # opened x2, risk accepted, fixed
