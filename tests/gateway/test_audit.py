"""The JSON-lines audit log: batched writes off the event loop, nothing lost on close."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from modelsteward.gateway.audit import AuditRecord, JsonlAudit


def _record(i: int) -> AuditRecord:
    return AuditRecord(request_id=f"r{i}", key="team", model="m", endpoint="/chat/completions")


def test_every_record_is_on_disk_in_order_after_close(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "audit.jsonl"
    audit = JsonlAudit(path, batch=64, interval_s=3600)
    for i in range(150):  # two full batches and a partial one left for close()
        audit.write(_record(i))
    audit.close()
    audit.close()
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line)["request_id"] for line in lines] == [f"r{i}" for i in range(150)]
    with pytest.raises(ValueError, match="closed"):
        audit.write(_record(150))


def test_a_full_batch_reaches_the_file_before_close(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = JsonlAudit(path, batch=4, interval_s=3600)
    try:
        for i in range(4):
            audit.write(_record(i))
        deadline = time.monotonic() + 5
        while path.stat().st_size == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(path.read_bytes().splitlines()) == 4
    finally:
        audit.close()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_failed_write_refuses_the_next_record_and_close_reports_it() -> None:
    audit = JsonlAudit(Path("/dev/full"), batch=1)
    with pytest.raises(OSError, match="audit log cannot be written"):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            audit.write(_record(0))
            time.sleep(0.01)
    with pytest.raises(OSError, match="audit log cannot be written"):
        audit.close()
