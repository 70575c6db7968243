"""One structured audit record per request, written as JSON lines (or to the registry).

Records carry the key's name (never the key), the model, what the safety layer decided with
rule ids, token counts with where they came from, status and latency. Prompt text is left out
unless the configuration asks for it, and then only in its redacted form.
"""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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
    """Appends one JSON object per line.

    Records are serialised by the caller and written by one background thread in batches
    (every 64 records, or on the first record after a second without a write), so the event
    loop never waits on the disk. :meth:`close` writes whatever is still pending. A write
    that fails makes the next :meth:`write` raise, so requests are not served unaudited.
    """

    def __init__(self, path: Path, *, batch: int = 64, interval_s: float = 1.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: io.BufferedWriter = path.open("ab")
        self._batch = batch
        self._interval_s = interval_s
        self._lock = threading.Lock()
        self._pending: list[bytes] = []
        self._flushed = time.monotonic()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="modelsteward-audit")
        self._error: OSError | None = None
        self._closed = False

    def write(self, record: AuditRecord) -> None:
        """Queue the record for the file.

        Raises:
            OSError: when an earlier batch could not be written.
            ValueError: after :meth:`close`.
        """
        if self._error is not None:
            raise OSError(f"the audit log cannot be written: {self._error}") from self._error
        line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        with self._lock:
            if self._closed:
                raise ValueError("the audit log is closed")
            self._pending.append(line)
            now = time.monotonic()
            if len(self._pending) >= self._batch or now - self._flushed >= self._interval_s:
                self._hand_over(now)

    def _hand_over(self, now: float) -> None:
        data, self._pending = b"".join(self._pending), []
        self._flushed = now
        self._writer.submit(self._append, data)

    def _append(self, data: bytes) -> None:
        try:
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            self._error = exc

    def close(self) -> None:
        """Write every pending record, then close the file.

        Raises:
            OSError: when records could not be written.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._pending:
                self._hand_over(time.monotonic())
        self._writer.shutdown(wait=True)
        try:
            self._file.close()
        except OSError as exc:
            self._error = self._error or exc
        if self._error is not None:
            raise OSError(f"the audit log cannot be written: {self._error}") from self._error
