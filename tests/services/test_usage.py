"""Gateway usage from its audit file: totals by key and model, bounded reads, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

from modelsteward.gateway.usage import usage_by_key
from modelsteward.services.usage import MAX_LINE, NO_KEY, gateway_usage


def _record(key: str | None, model: str, **extra: object) -> str:
    body = {"request_id": "r", "key": key, "model": model, "endpoint": "chat", "status": 200}
    return json.dumps({**body, **extra}) + "\n"


def test_a_tail_read_leaves_out_old_records_and_says_so(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    lines = [_record("old", "m", ts=float(i)) for i in range(500)]
    lines += [_record("new", "m", ts=1000.0 + i) for i in range(10)]
    log.write_text("".join(lines))
    tail = gateway_usage(log, max_bytes=len(lines[-1]) * 10 + 5)
    assert tail.truncated is True
    assert {r.name: r.requests for r in tail.by_key} == {"new": 10}
    whole = gateway_usage(log, max_bytes=None)
    assert whole.truncated is False
    assert {r.name: r.requests for r in whole.by_key} == {"old": 500, "new": 10}
    assert whole.by_key[0].last_ts == 499.0


def test_overlong_and_broken_lines_are_counted_not_parsed(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    huge = '{"key": "x", "pad": "' + "a" * (MAX_LINE + 10) + '"}\n'
    log.write_text(
        _record("team", "m", prompt_tokens=3, completion_tokens=-5)
        + huge
        + "{not json\n"
        + _record(None, "m")
    )
    usage = gateway_usage(log, max_bytes=None)
    assert usage.skipped == 2
    rows = {r.name: r for r in usage.by_key}
    assert set(rows) == {"team", NO_KEY}
    assert (rows["team"].prompt_tokens, rows["team"].completion_tokens) == (3, 0)
    per_key, unreadable = usage_by_key(log)
    assert set(per_key) == {"team"} and unreadable == 2


def test_a_missing_file_is_no_usage(tmp_path: Path) -> None:
    assert gateway_usage(tmp_path / "none.jsonl").records == 0
    assert usage_by_key(tmp_path / "none.jsonl") == ({}, 0)
