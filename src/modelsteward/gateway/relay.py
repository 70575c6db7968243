"""Relaying a streamed answer from the engine to the client.

Every event is parsed (so usage, the finish reason and the text are known), renamed to the
gateway's model id and, when output guards are on, its text passes through the stream
moderator: the client only ever receives text the moderator released. A block, an engine
failure or a timeout mid-stream ends the stream with an error event and ``[DONE]``; the
engine request is closed whenever the client goes away.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from modelsteward.gateway.guards import Moderator, step_release
from modelsteward.gateway.proxy import PATHS, Call, account_usage, finish
from modelsteward.gateway.state import Gateway
from modelsteward.gateway.streaming import (
    DONE,
    DONE_EVENT,
    SseParser,
    StreamTally,
    chunk_text,
    encode_event,
    error_event,
    is_usage_only,
    set_chunk_text,
)
from modelsteward.gateway.tokens import count_usage
from modelsteward.gateway.upstream import EngineResponse


class StreamStopped(Exception):
    """The stream must end with an error event."""

    def __init__(self, event: bytes, status: int, reason: str) -> None:
        super().__init__(reason)
        self.event = event
        self.status = status
        self.reason = reason


async def open_stream(gw: Gateway, call: Call) -> tuple[EngineResponse, dict[str, str]]:
    """Start the engine request; errors before the first byte are ordinary HTTP errors.

    Raises:
        GatewayError: 502/504 when the engine cannot be reached or refuses the request.
    """
    if call.guards_output:
        call.moderator = gw.moderator(gw.layer(), gw.window_chars)
    payload = orjson.dumps(call.body)
    sent = time.perf_counter()
    response = await gw.upstream.send(call.backend, PATHS[call.kind], payload, stream=True)
    overhead = (sent - call.started) * 1000
    call.record.overhead_ms = round(overhead, 3)
    headers = {
        "x-modelsteward-overhead-ms": f"{overhead:.3f}",
        "x-request-id": call.record.request_id,
        "cache-control": "no-cache",
    }
    return response, headers


async def relay(gw: Gateway, call: Call, response: EngineResponse) -> AsyncIterator[bytes]:
    """The events to send to the client, ending with ``[DONE]`` in every case."""
    relayer = _Relayer(gw, call)
    status, error = 200, None
    idle_s = call.model.timeout_s
    loop = asyncio.get_running_loop()
    try:
        # The engine client has its own read timeout; this one also covers transports that
        # do not enforce it, so a silent engine can never hold a stream open.
        async with asyncio.timeout(idle_s) as idle:
            async for piece in response.aiter_bytes():
                idle.reschedule(loop.time() + idle_s)
                for data in relayer.parser.feed(piece):
                    for event in relayer.event(data):
                        yield event
        for data in relayer.parser.close():
            for event in relayer.event(data):
                yield event
        for event in await relayer.end():
            yield event
    except StreamStopped as stop:
        status, error = stop.status, stop.reason
        yield stop.event
        yield DONE_EVENT
    except (httpx.TimeoutException, TimeoutError):
        status, error = 504, "engine timed out mid-stream"
        yield error_event("the engine timed out mid-stream", code="engine_timeout")
        yield DONE_EVENT
    except httpx.HTTPError as exc:
        status, error = 502, f"engine failed mid-stream: {type(exc).__name__}"
        yield error_event("the engine failed mid-stream", code="engine_error")
        yield DONE_EVENT
    finally:
        await response.aclose()
        if call.record.prompt_tokens is None and relayer.tally.usage is not None:
            account_usage(gw, call, relayer.tally.usage, "engine")
        await finish(gw, call, status, error)


class _Relayer:
    """Per-stream state: parser, tally, moderator."""

    def __init__(self, gw: Gateway, call: Call) -> None:
        self.gw = gw
        self.call = call
        self.parser = SseParser()
        self.tally = StreamTally()
        self.moderator: Moderator | None = call.moderator
        self.done = False
        self.template: dict[str, Any] | None = None

    def event(self, data: bytes) -> list[bytes]:
        if data == DONE:
            self.done = True
            return []
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise self._stop(502, "engine sent an unreadable event") from None
        if not isinstance(chunk, dict):
            raise self._stop(502, "engine sent an unexpected event")
        if "error" in chunk:
            raise self._stop(502, "engine reported an error mid-stream")
        self.tally.observe(chunk)
        if is_usage_only(chunk):
            return []  # sent at the end, after the moderator's tail
        chunk["model"] = self.call.model.name
        if self.template is None:
            self.template = chunk
        if self.moderator is None:
            return [encode_event(chunk)]
        return self._moderated(chunk)

    def _moderated(self, chunk: dict[str, Any]) -> list[bytes]:
        assert self.moderator is not None
        events: list[bytes] = []
        text = chunk_text(chunk)
        finishing = _finish_reason(chunk) is not None
        if text:
            released = self._release(self.moderator.feed(text), "stream")
            set_chunk_text(chunk, released)
            if not released and not finishing:
                return events
        if finishing:
            tail = self._release(self.moderator.finish(), "stream")
            self.moderator = None
            if tail:
                events.append(encode_event(self._text_chunk(chunk, tail)))
        events.append(encode_event(chunk))
        return events

    def _release(self, step: Any, stage: str) -> str:
        released, decision = step_release(step)
        if decision is not None:
            self.call.record.decide(stage, decision.action, decision.rule_ids)
            self.gw.metrics.count_safety(stage, decision.action)
            rules = ", ".join(decision.rule_ids) or "safety policy"
            raise StreamStopped(
                error_event(
                    f"the answer was stopped by the safety layer ({rules})",
                    code="content_blocked",
                    err_type="invalid_request_error",
                ),
                400,
                f"blocked: {rules}",
            )
        return released

    def _text_chunk(self, like: dict[str, Any], text: str) -> dict[str, Any]:
        chunk = {k: v for k, v in like.items() if k not in ("choices", "usage")}
        first = like["choices"][0]
        if isinstance(first.get("delta"), dict):
            chunk["choices"] = [{"index": 0, "delta": {"content": text}, "finish_reason": None}]
        else:
            chunk["choices"] = [{"index": 0, "text": text, "finish_reason": None}]
        return chunk

    async def end(self) -> list[bytes]:
        if not self.done:
            raise self._stop(502, "engine ended the stream early")
        events: list[bytes] = []
        if self.moderator is not None:
            tail = self._release(self.moderator.finish(), "stream")
            if tail and self.template is not None:
                events.append(encode_event(self._text_chunk(self.template, tail)))
        usage, source = self.tally.usage, "engine"
        if usage is None:
            usage, source = await count_usage(self.gw, self.call, self.tally.text)
        account_usage(self.gw, self.call, usage, source)
        if self.call.wants_usage:
            chunk = {k: v for k, v in (self.template or {}).items() if k != "choices"}
            chunk.update(choices=[], usage=usage)
            events.append(encode_event(chunk))
        events.append(DONE_EVENT)
        return events

    def _stop(self, status: int, reason: str) -> StreamStopped:
        return StreamStopped(error_event(reason, code="engine_error"), status, reason)


def _finish_reason(chunk: dict[str, Any]) -> str | None:
    choices = chunk.get("choices")
    if choices and isinstance(choices, list) and isinstance(choices[0], dict):
        reason = choices[0].get("finish_reason")
        return reason if isinstance(reason, str) else None
    return None
