"""The JSON-lines audit log: each record in the file as it is written, fsync by policy."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from modelsteward.gateway.audit import AuditRecord, JsonlAudit


def _record(i: int) -> AuditRecord:
    return AuditRecord(request_id=f"r{i}", key="team", model="m", endpoint="/chat/completions")


def _ids(path: Path) -> list[str]:
    return [orjson.loads(line)["request_id"] for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize("fsync", ["none", "interval", "always"])
def test_every_record_is_in_the_file_as_soon_as_it_is_written(tmp_path: Path, fsync: str) -> None:
    path = tmp_path / "logs" / "audit.jsonl"
    audit = JsonlAudit(path, fsync=fsync)
    try:
        for i in range(10):
            audit.write(_record(i))
            # Read through another descriptor, as a log shipper would, before close().
            assert _ids(path) == [f"r{j}" for j in range(i + 1)]
    finally:
        audit.close()
    audit.close()
    assert _ids(path) == [f"r{i}" for i in range(10)]
    with pytest.raises(ValueError, match="closed"):
        audit.write(_record(10))


def test_records_append_to_an_existing_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b'{"request_id":"old"}\n')
    audit = JsonlAudit(path, fsync="none")
    audit.write(_record(0))
    audit.close()
    assert _ids(path) == ["old", "r0"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_failed_write_raises_so_the_request_is_not_served_unaudited() -> None:
    audit = JsonlAudit(Path("/dev/full"), fsync="none")
    with pytest.raises(OSError, match="audit log cannot be written"):
        audit.write(_record(0))
    audit.close()
