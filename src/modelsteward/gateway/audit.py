"""One structured audit record per request, written as JSON lines (or to the registry).

Records carry the key's name (never the key), the model, what the safety layer decided with
rule ids, token counts with where they came from, status and latency. Prompt text is left out
unless the configuration asks for it, and then only in its redacted form.
"""

from __future__ import annotations

import contextlib
import os
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
    """Appends one JSON object per line, each record written to the file as it is made.

    Every :meth:`write` is one ``write(2)`` on a file opened with ``O_APPEND``: the record
    is in the file (and visible to readers, and safe from a crash of this process) before
    the request's answer completes, and lines from several processes never interleave.
    ``fsync`` decides when the file is also forced to stable storage: ``none`` leaves it to
    the operating system, ``interval`` (the default) syncs at most once a second from a
    background thread, ``always`` syncs after every record on the calling thread.

    A write that fails raises, so a request is not served unaudited.
    """

    def __init__(self, path: Path, *, fsync: str = "interval", interval_s: float = 1.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._fsync = fsync
        self._interval_s = interval_s
        self._dirty = False
        self._closed = False
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        if fsync == "interval":
            self._syncer = threading.Thread(
                target=self._sync_loop, name="modelsteward-audit-fsync", daemon=True
            )
            self._syncer.start()

    def write(self, record: AuditRecord) -> None:
        """Append the record to the file.

        Raises:
            OSError: when the record cannot be written.
            ValueError: after :meth:`close`.
        """
        if self._closed:
            raise ValueError("the audit log is closed")
        line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        try:
            written = os.write(self._fd, line)
            if written != len(line):  # a short write to a regular file: disk full
                os.write(self._fd, line[written:])
            if self._fsync == "always":
                os.fsync(self._fd)
        except OSError as exc:
            raise OSError(f"the audit log cannot be written: {exc}") from exc
        self._dirty = True

    def _sync_loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            if self._dirty:
                self._dirty = False
                with contextlib.suppress(OSError):
                    os.fsync(self._fd)

    def close(self) -> None:
        """Sync and close the file."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join()
        try:
            if self._fsync != "none":
                os.fsync(self._fd)
        finally:
            os.close(self._fd)
