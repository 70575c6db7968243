"""Request validation and OpenAI-shaped error bodies.

Requests are parsed once with orjson, checked by the pydantic models below (which allow
unknown fields, so engine-specific options pass through) and then forwarded as the original
mapping. Anything malformed becomes a 400, never a 500.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelsteward.errors import StewardError


class GatewayError(StewardError):
    """An error the gateway answers with an OpenAI error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str,
        err_type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.err_type = err_type
        self.headers = headers or {}
        self.extra = extra or {}
        self.model: str | None = None
        """The model the request named, once known (for its audit record)."""

    def body(self) -> bytes:
        """The JSON error body."""
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.err_type,
            "param": None,
            "code": self.code,
        }
        error.update(self.extra)
        return orjson.dumps({"error": error})


def bad_request(message: str, *, code: str = "invalid_request") -> GatewayError:
    """A 400 for a malformed request."""
    return GatewayError(400, message, code=code)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Message(_Open):
    role: str = Field(min_length=1)
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(_Open):
    include_usage: bool | None = None


class _Generation(_Open):
    model: str = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=1, le=1)


class ChatRequest(_Generation):
    messages: list[Message] = Field(min_length=1)


class CompletionRequest(_Generation):
    prompt: str | list[str]


class EmbeddingRequest(_Open):
    model: str = Field(min_length=1)
    input: str | list[str] | list[int] | list[list[int]]


Kind = Literal["chat", "completion", "embedding"]

_MODELS: dict[Kind, type[_Open]] = {
    "chat": ChatRequest,
    "completion": CompletionRequest,
    "embedding": EmbeddingRequest,
}


def parse_request(kind: Kind, body: bytes) -> tuple[dict[str, Any], Any]:
    """Parse and validate a request body; return the raw mapping and the typed view.

    Raises:
        GatewayError: 400 when the body is not JSON or not a valid request of this kind.
    """
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"request body is not valid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise bad_request("request body must be a JSON object")
    try:
        typed = _MODELS[kind].model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise bad_request(f"invalid request: {where}: {first['msg']}") from exc
    return raw, typed


def message_texts(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Messages reduced to ``{"role", "content"}`` text, for the safety layer.

    Multi-part contents contribute their ``text`` parts; other parts are ignored.
    """
    out: list[dict[str, str]] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            texts = [
                str(part.get("text", ""))
                for part in content
                if isinstance(part, dict) and part.get("type") == "text"
            ]
            content = "\n".join(texts)
        out.append({"role": str(message.get("role", "user")), "content": str(content or "")})
    return out


def prompt_texts(prompt: str | list[str]) -> list[dict[str, str]]:
    """A completion prompt as user messages, for the safety layer."""
    prompts = [prompt] if isinstance(prompt, str) else prompt
    return [{"role": "user", "content": p} for p in prompts]
