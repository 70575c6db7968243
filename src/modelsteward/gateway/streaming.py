"""Server-sent events without I/O: split bytes into events, read deltas, write events back.

The OpenAI streaming format is a sequence of ``data: <json>`` events separated by a blank
line and ended by ``data: [DONE]``. :class:`SseParser` accepts bytes in arbitrary pieces and
returns complete ``data`` payloads; the helpers below read and rewrite chunk objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

DONE = b"[DONE]"
DONE_EVENT = b"data: [DONE]\n\n"


class SseParser:
    """Incremental SSE parser that yields the ``data`` payload of each complete event."""

    __slots__ = ("_buffer", "_data")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add bytes; return the data payloads of the events they completed."""
        self._buffer += chunk
        if b"\n" not in chunk:
            return []
        *lines, self._buffer = self._buffer.split(b"\n")
        events: list[bytes] = []
        for line in lines:
            self._line(line.rstrip(b"\r"), events)
        return events

    def close(self) -> list[bytes]:
        """Flush an event that the stream ended without a blank line after."""
        events: list[bytes] = []
        if self._buffer:
            self._line(self._buffer.rstrip(b"\r"), events)
            self._buffer = b""
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[bytes]) -> None:
        if not line:
            if self._data:
                events.append(b"\n".join(self._data))
                self._data = []
            return
        if line.startswith(b"data:"):
            value = line[5:]
            self._data.append(value[1:] if value.startswith(b" ") else value)
        # Comments (":"), "event:", "id:" and "retry:" lines carry nothing we forward.


def encode_event(obj: Any) -> bytes:
    """Serialize one JSON object as a ``data:`` event."""
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def error_event(message: str, *, code: str, err_type: str = "server_error") -> bytes:
    """The event that ends a stream the gateway had to stop, in OpenAI's error shape."""
    return encode_event({"error": {"message": message, "type": err_type, "code": code}})


def chunk_text(chunk: dict[str, Any]) -> str:
    """The text of a chat (``delta.content``) or completion (``text``) chunk's first choice."""
    choices = chunk.get("choices")
    if not choices or not isinstance(choices, list):
        return ""
    first = choices[0]
    if not isinstance(first, dict):
        return ""
    delta = first.get("delta")
    if isinstance(delta, dict):
        content = delta.get("content")
        return content if isinstance(content, str) else ""
    text = first.get("text")
    return text if isinstance(text, str) else ""


def set_chunk_text(chunk: dict[str, Any], text: str) -> None:
    """Replace the text of a chunk's first choice (the moderator's released text)."""
    first = chunk["choices"][0]
    if isinstance(first.get("delta"), dict):
        first["delta"]["content"] = text
    else:
        first["text"] = text


@dataclass(slots=True)
class StreamTally:
    """What a stream carried, gathered as events pass: text, usage and the finish reason."""

    parts: list[str] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    chunks: int = 0

    def observe(self, chunk: dict[str, Any]) -> None:
        """Record one parsed chunk."""
        self.chunks += 1
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.usage = usage
        choices = chunk.get("choices")
        if choices and isinstance(choices, list) and isinstance(choices[0], dict):
            reason = choices[0].get("finish_reason")
            if isinstance(reason, str):
                self.finish_reason = reason
            text = chunk_text(chunk)
            if text:
                self.parts.append(text)

    @property
    def text(self) -> str:
        """All content text so far."""
        return "".join(self.parts)


def is_usage_only(chunk: dict[str, Any]) -> bool:
    """Whether a chunk is the trailing usage-only chunk (``choices: []`` plus ``usage``)."""
    return not chunk.get("choices") and isinstance(chunk.get("usage"), dict)
