"""The SLA burndown's one-pass count agrees with counting day by day."""

from __future__ import annotations

import random
from datetime import date, timedelta

from modelsteward.findings import Severity
from modelsteward.services.review import burndown
from modelsteward.vulns import SlaEntry


def _by_hand(entries: list[SlaEntry], today: date, days: int) -> list[tuple[date, int, int]]:
    out = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        live = [
            e for e in entries if e.first_seen <= day and (e.fixed_on is None or e.fixed_on > day)
        ]
        out.append((day, len(live), sum(1 for e in live if e.due < day)))
    return out


def test_burndown_matches_a_day_by_day_count() -> None:
    rng = random.Random(3)
    today = date(2026, 12, 3)
    entries = []
    for i in range(300):
        seen = today - timedelta(days=rng.randint(0, 80))
        fixed = seen + timedelta(days=rng.randint(0, 60)) if rng.random() < 0.5 else None
        entries.append(
            SlaEntry(
                deployment="d",
                vuln_id=f"V-{i}",
                package="p",
                version="1",
                severity=Severity.HIGH,
                first_seen=seen,
                due=seen + timedelta(days=rng.randint(0, 40)),
                fixed_on=fixed,
            )
        )
    assert burndown(entries, today, 30) == _by_hand(entries, today, 30)
    assert burndown([], today, 5) == [(today - timedelta(days=4 - i), 0, 0) for i in range(5)]
