"""One structured audit record per request, written as JSON lines (or to the registry).

Records carry the key's name (never the key), the model, what the safety layer decided with
rule ids, token counts with where they came from, status and latency. Prompt text is left out
unless the configuration asks for it, and then only in its redacted form.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson


@dataclass(slots=True, kw_only=True)
class AuditRecord:
    """What happened to one request."""

    request_id: str
    key: str | None
    """The key's configured name."""
    model: str | None
    endpoint: str
    status: int = 200
    stream: bool = False
    decisions: list[dict[str, Any]] = field(default_factory=list)
    """``{"stage": "input|output|stream", "action": ..., "rule_ids": [...]}`` per check."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    usage_source: str | None = None
    """``engine`` when the engine reported usage, ``tokenizer`` when the gateway counted."""
    latency_ms: float = 0.0
    overhead_ms: float = 0.0
    error: str | None = None
    prompt: str | None = None
    ts: float = field(default_factory=time.time)

    def decide(self, stage: str, action: str, rule_ids: tuple[str, ...]) -> None:
        """Record a safety decision."""
        self.decisions.append({"stage": stage, "action": action, "rule_ids": list(rule_ids)})


class AuditLog(Protocol):
    """Where records go."""

    def write(self, record: AuditRecord) -> None:
        """Store one record; must not block the event loop for long."""
        ...

    def close(self) -> None:
        """Flush and release."""
        ...


class NullAudit:
    """Discards records (audit switched off)."""

    def write(self, record: AuditRecord) -> None:
        """Drop the record."""

    def close(self) -> None:
        """Nothing to release."""


class JsonlAudit:
    """Appends one JSON object per line; lines are flushed at least every 64 records/second."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: io.BufferedWriter = path.open("ab")
        self._lock = threading.Lock()
        self._pending = 0
        self._flushed = time.monotonic()

    def write(self, record: AuditRecord) -> None:
        """Append the record."""
        line = orjson.dumps(record) + b"\n"
        with self._lock:
            self._file.write(line)
            self._pending += 1
            now = time.monotonic()
            if self._pending >= 64 or now - self._flushed >= 1.0:
                self._file.flush()
                self._pending = 0
                self._flushed = now

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            if not self._file.closed:
                self._file.flush()
                self._file.close()
