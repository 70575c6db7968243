"""The endpoint under test: where it is, and how its answers are read safely."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from modelsteward.safety.interface import SafetyError


class EndpointError(SafetyError):
    """The endpoint under test refuses the whole run (bad key, unknown model, unreachable)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """The model under test."""

    endpoint: str
    """Base URL of an OpenAI-compatible API (``/v1/chat/completions`` is appended)."""
    model: str
    api_key: str | None = None

    @property
    def url(self) -> str:
        """The chat completions URL."""
        base = self.endpoint.rstrip("/")
        return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")


CONTEXT_OVERFLOW = "context-overflow"
"""Error prefix of a probe the model cannot read (longer than its context window): left
out of every rate without making the run incomplete."""
TOO_LONG = ("context", "too long", "maximum length", "max_tokens")
FILTERED = ("content_filter", "content_blocked", "content management policy", "content_policy")
"""Markers of a request the endpoint itself declined: a provider's content filter, or the
modelsteward gateway's safety layer (``content_blocked``)."""


MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""A response body larger than this is an error: a hostile endpoint cannot exhaust memory."""
MAX_ANSWER_CHARS = 100_000
"""Answers are judged and kept up to this length."""


def read_capped(response: httpx.Response) -> bytes:
    """The body of a streamed response, refused past :data:`MAX_RESPONSE_BYTES`.

    Raises:
        httpx.DecodingError: when the body is larger.
    """
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise httpx.DecodingError(f"response larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
