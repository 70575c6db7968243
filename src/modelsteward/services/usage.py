"""Gateway usage by key and by model, read from the gateway's JSON-lines audit records.

Only the newest ``max_bytes`` of the file are read, so a large log costs a bounded read; the
result says how many records it covers and from when. A line that is not a record is
counted as skipped, never fatal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 32 * 1024 * 1024
"""The newest part of the audit file that is read."""


@dataclass(slots=True)
class UsageRow:
    """Requests and tokens for one key or one model."""

    name: str
    requests: int = 0
    blocked: int = 0
    """Requests the safety layer blocked."""
    errors: int = 0
    """Requests answered with a status of 400 or more."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: list[float] = field(default_factory=list)

    def p95_ms(self) -> float:
        """The 95th percentile latency in milliseconds (0 when there are no requests)."""
        if not self.latency_ms:
            return 0.0
        ordered = sorted(self.latency_ms)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "name": self.name,
            "requests": self.requests,
            "blocked": self.blocked,
            "errors": self.errors,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "p95_latency_ms": round(self.p95_ms(), 1),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Usage totals by key and by model."""

    source: str
    records: int
    skipped: int
    truncated: bool
    """Whether older records were left out (the file is larger than ``MAX_BYTES``)."""
    first_ts: float | None
    last_ts: float | None
    by_key: tuple[UsageRow, ...]
    by_model: tuple[UsageRow, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "source": self.source,
            "records": self.records,
            "skipped": self.skipped,
            "truncated": self.truncated,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "by_key": [r.to_dict() for r in self.by_key],
            "by_model": [r.to_dict() for r in self.by_model],
        }


def _tail(path: Path, max_bytes: int) -> tuple[bytes, bool]:
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        start = max(0, size - max_bytes)
        fh.seek(start)
        data = fh.read(max_bytes)
    if start:
        data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
    return data, bool(start)


def _add(row: UsageRow, record: dict[str, object]) -> None:
    row.requests += 1
    status = record.get("status")
    if isinstance(status, int) and status >= 400:
        row.errors += 1
    decisions = record.get("decisions")
    if isinstance(decisions, list) and any(
        isinstance(d, dict) and d.get("action") == "block" for d in decisions
    ):
        row.blocked += 1
    for key in ("prompt_tokens", "completion_tokens"):
        value = record.get(key)
        if isinstance(value, int):
            setattr(row, key, getattr(row, key) + value)
    latency = record.get("latency_ms")
    if isinstance(latency, int | float):
        row.latency_ms.append(float(latency))


def gateway_usage(path: Path, *, max_bytes: int = MAX_BYTES) -> Usage:
    """Usage totals from the gateway audit file at ``path`` (empty when it does not exist).

    Raises:
        OSError: when the file exists but cannot be read.
    """
    if not path.is_file():
        return Usage(
            source=str(path),
            records=0,
            skipped=0,
            truncated=False,
            first_ts=None,
            last_ts=None,
            by_key=(),
            by_model=(),
        )
    data, truncated = _tail(path, max_bytes)
    keys: dict[str, UsageRow] = {}
    models: dict[str, UsageRow] = {}
    records = skipped = 0
    first: float | None = None
    last: float | None = None
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            skipped += 1
            continue
        if not isinstance(record, dict):
            skipped += 1
            continue
        records += 1
        key = str(record.get("key") or "(no key)")
        model = str(record.get("model") or "(no model)")
        _add(keys.setdefault(key, UsageRow(key)), record)
        _add(models.setdefault(model, UsageRow(model)), record)
        ts = record.get("ts")
        if isinstance(ts, int | float):
            first = ts if first is None else min(first, ts)
            last = ts if last is None else max(last, ts)
    return Usage(
        source=str(path),
        records=records,
        skipped=skipped,
        truncated=truncated,
        first_ts=first,
        last_ts=last,
        by_key=_ordered(keys),
        by_model=_ordered(models),
    )


def _ordered(rows: dict[str, UsageRow]) -> tuple[UsageRow, ...]:
    return tuple(sorted(rows.values(), key=lambda r: (-r.requests, r.name)))
