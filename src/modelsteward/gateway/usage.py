"""Per-key usage, read back from the gateway's JSON-lines audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_MAX_LINE = 1 << 20
"""Longer lines are not audit records this gateway wrote; they are counted, not parsed."""


@dataclass(slots=True)
class KeyUsage:
    """What one key did, summed over the audit log."""

    requests: int = 0
    errors: int = 0
    """Requests answered with a status of 400 or more (refusals and blocks included)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    last_used: float | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "requests": self.requests,
            "errors": self.errors,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "last_used": _iso(self.last_used),
        }


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def usage_by_key(path: Path) -> tuple[dict[str, KeyUsage], int]:
    """Usage per key name from the audit log at ``path``, and the number of lines that were
    not audit records. A missing file means no usage yet.

    Raises:
        OSError: when the file exists but cannot be read.
    """
    usage: dict[str, KeyUsage] = {}
    unreadable = 0
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return usage, 0
    with handle:
        while line := handle.readline(_MAX_LINE + 1):
            if len(line) > _MAX_LINE:
                unreadable += 1
                while line and not line.endswith(b"\n"):  # skip the rest of the line
                    line = handle.readline(_MAX_LINE)
                continue
            try:
                record = json.loads(line)
            except ValueError:
                unreadable += 1
                continue
            if not isinstance(record, dict) or not isinstance(record.get("key"), str):
                continue
            mine = usage.setdefault(record["key"], KeyUsage())
            mine.requests += 1
            status = record.get("status")
            if isinstance(status, int) and status >= 400:
                mine.errors += 1
            mine.prompt_tokens += _int(record.get("prompt_tokens"))
            mine.completion_tokens += _int(record.get("completion_tokens"))
            ts = record.get("ts")
            if isinstance(ts, int | float) and (mine.last_used is None or ts > mine.last_used):
                mine.last_used = float(ts)
    return usage, unreadable


def _int(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0
