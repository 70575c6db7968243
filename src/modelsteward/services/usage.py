"""Gateway usage by key and by model, read from the gateway's JSON-lines audit records.

The file is streamed line by line; with ``max_bytes`` only its newest part is read, so a
large log costs a bounded read, and the result says how many records it covers and from
when. A line that is not a record (not JSON, or longer than ``MAX_LINE``) is counted as
skipped, never fatal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 32 * 1024 * 1024
"""The newest part of the audit file the dashboard reads."""
NO_KEY = "(no key)"
"""Where requests made without a key are counted."""
MAX_LINE = 1 << 20
"""Longer lines are not audit records the gateway wrote; they are counted, not parsed."""


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
    last_ts: float | None = None
    """When the newest request was made (Unix time)."""
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
            "last_ts": self.last_ts,
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


def _lines(path: Path, max_bytes: int | None) -> tuple[Iterator[bytes | None], bool]:
    """The file's lines from ``max_bytes`` before its end (None for an over-long line),
    and whether older lines were left out."""
    handle = path.open("rb")
    size = handle.seek(0, os.SEEK_END)
    start = 0 if max_bytes is None else max(0, size - max_bytes)
    handle.seek(start)
    if start:
        handle.readline()  # the first line read is probably cut: drop it

    def read() -> Iterator[bytes | None]:
        with handle:
            while line := handle.readline(MAX_LINE + 1):
                if len(line) > MAX_LINE:
                    while line and not line.endswith(b"\n"):
                        line = handle.readline(MAX_LINE)
                    yield None
                    continue
                yield line

    return read(), bool(start)


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
        if isinstance(value, int) and value > 0:
            setattr(row, key, getattr(row, key) + value)
    latency = record.get("latency_ms")
    if isinstance(latency, int | float):
        row.latency_ms.append(float(latency))
    ts = record.get("ts")
    if isinstance(ts, int | float) and (row.last_ts is None or ts > row.last_ts):
        row.last_ts = float(ts)


def gateway_usage(path: Path, *, max_bytes: int | None = MAX_BYTES) -> Usage:
    """Usage totals from the gateway audit file at ``path`` (empty when it does not exist);
    ``max_bytes`` None reads the whole file.

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
    lines, truncated = _lines(path, max_bytes)
    keys: dict[str, UsageRow] = {}
    models: dict[str, UsageRow] = {}
    records = skipped = 0
    first: float | None = None
    last: float | None = None
    for line in lines:
        if line is None:
            skipped += 1
            continue
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
        key = record.get("key")
        key = key if isinstance(key, str) and key else NO_KEY
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
