"""Per-key usage, read back from the gateway's JSON-lines audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from modelsteward.services.usage import NO_KEY, gateway_usage


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
    """Usage per key name from the whole audit log at ``path``, and the number of lines
    that were not audit records. A missing file means no usage yet.

    Raises:
        OSError: when the file exists but cannot be read.
    """
    read = gateway_usage(path, max_bytes=None)
    usage = {
        row.name: KeyUsage(
            requests=row.requests,
            errors=row.errors,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            last_used=row.last_ts,
        )
        for row in read.by_key
        if row.name != NO_KEY
    }
    return usage, read.skipped
