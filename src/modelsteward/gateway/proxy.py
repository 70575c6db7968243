"""The request path shared by chat, completions and embeddings: admit, guard, forward, account.

Routes call :func:`prepare` (key, model, approval, quota, input guards), then
:func:`forward_json` or :func:`open_stream`; :mod:`modelsteward.gateway.relay` moves streams.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from modelsteward.gateway.audit import AuditRecord
from modelsteward.gateway.config import KeyConfig, ModelConfig, SafetyProfile
from modelsteward.gateway.dependencies import DependencyDown
from modelsteward.gateway.guards import Decision, blocked_error, decide, guarded, role
from modelsteward.gateway.schemas import (
    GatewayError,
    Kind,
    message_texts,
    parse_request,
    prompt_texts,
)
from modelsteward.gateway.state import Gateway
from modelsteward.gateway.tokens import count_usage
from modelsteward.gateway.upstream import Backend

PATHS: dict[Kind, str] = {
    "chat": "/chat/completions",
    "completion": "/completions",
    "embedding": "/embeddings",
}


@dataclass(slots=True, kw_only=True)
class Call:
    """One admitted request on its way to the engine."""

    kind: Kind
    key: KeyConfig
    model: ModelConfig
    backend: Backend
    profile: SafetyProfile
    body: dict[str, Any]
    record: AuditRecord
    started: float
    stream: bool = False
    wants_usage: bool = False
    prompt_text: str = ""
    moderator: Any = None
    """The stream moderator when output guards are on."""

    @property
    def guards_output(self) -> bool:
        """Whether answers are checked before they reach the client."""
        return self.profile is SafetyProfile.DEFAULT


def _model_error(status: int, message: str, code: str) -> GatewayError:
    return GatewayError(status, message, code=code)


async def prepare(gw: Gateway, kind: Kind, key: KeyConfig, raw_body: bytes) -> Call:
    """Validate, authorise, admit and guard a request.

    Raises:
        GatewayError: 400 (malformed, too large or blocked), 403 (key or approval), 404
            (unknown model), 429 (quota), 503 (safety layer or a needed service unavailable,
            or the safety check over its time budget). ``model`` is set on the error once
            the request named one.
    """
    started = time.perf_counter()
    body, typed = parse_request(kind, raw_body)
    name: str = typed.model
    try:
        return await _admit(gw, kind, key, body, typed, started)
    except GatewayError as exc:
        exc.model = name
        raise


async def _admit(
    gw: Gateway, kind: Kind, key: KeyConfig, body: dict[str, Any], typed: Any, started: float
) -> Call:
    name: str = typed.model
    model = gw.models.get(name)
    if model is None:
        raise _model_error(404, f"the model {name!r} does not exist", "model_not_found")
    if not key.allows(name):
        raise _model_error(403, f"this key may not use the model {name!r}", "model_not_allowed")
    status = gw.statuses[name]
    if not status.approved:
        raise _model_error(
            403, f"the model {name!r} is not served: {status.reason}", "model_not_approved"
        )
    texts = _texts(kind, body)
    _check_size(gw, texts)
    gw.deps.check()
    try:
        await gw.quotas.admit(key)
    except DependencyDown as exc:
        raise gw.deps.failed(exc) from exc
    call = Call(
        kind=kind,
        key=key,
        model=model,
        backend=gw.upstream.backend(name),
        profile=model.safety.stricter(key.safety),
        body=body,
        record=AuditRecord(
            request_id=uuid.uuid4().hex, key=key.name, model=name, endpoint=PATHS[kind]
        ),
        started=started,
        stream=bool(getattr(typed, "stream", False)),
    )
    await _guard_input(gw, call, texts)
    body["model"] = model.upstream_model
    if call.stream:
        options = body.get("stream_options")
        call.wants_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        body["stream_options"] = {
            **(options if isinstance(options, dict) else {}),
            "include_usage": True,
        }
    call.record.stream = call.stream
    return call


def _texts(kind: Kind, body: dict[str, Any]) -> list[dict[str, str]]:
    if kind == "chat":
        return message_texts(body["messages"])
    if kind == "completion":
        return prompt_texts(body["prompt"])
    value = body.get("input")
    strings = [value] if isinstance(value, str) else [v for v in value or () if isinstance(v, str)]
    return [{"role": "user", "content": s} for s in strings]


def _check_size(gw: Gateway, texts: list[dict[str, str]]) -> None:
    """Refuse prompts over the configured per-message and total sizes (before any work)."""
    limits = gw.config.limits
    total = 0
    for n, item in enumerate(texts):
        size = len(item["content"])
        if size > limits.max_message_chars:
            raise GatewayError(
                400,
                f"message {n} has {size} characters; the limit is {limits.max_message_chars}",
                code="prompt_too_large",
            )
        total += size
    if total > limits.max_prompt_chars:
        raise GatewayError(
            400,
            f"the prompt has {total} characters in all; the limit is {limits.max_prompt_chars}",
            code="prompt_too_large",
        )


async def _guard_input(gw: Gateway, call: Call, texts: list[dict[str, str]]) -> None:
    call.prompt_text = "\n".join(t["content"] for t in texts)
    if call.profile is SafetyProfile.OFF:
        return
    layer = gw.layer()
    messages = call.body["messages"] if call.kind == "chat" else texts
    size = len(call.prompt_text)
    decision = decide(await gw.check(size, guarded, layer.check_messages, messages))
    _note(gw, call, "input", decision)
    if decision.blocked:
        raise blocked_error(decision, "request")
    if decision.action == "redact":
        await _redact_input(gw, call, texts, decision)
    if gw.config.audit_prompts:
        call.record.prompt = call.prompt_text


async def _redact_input(
    gw: Gateway, call: Call, texts: list[dict[str, str]], decision: Decision
) -> None:
    body = call.body
    if call.kind == "chat" and len(decision.redacted_messages) == len(body["messages"]):
        body["messages"] = [dict(m) for m in decision.redacted_messages]
        texts = message_texts(body["messages"])
    else:
        layer = gw.layer()
        for item in texts:
            content = item["content"]
            verdict = decide(
                await gw.check(len(content), guarded, layer.check_text, content, role(item["role"]))
            )
            if verdict.redacted is not None and verdict.action == "redact":
                item["content"] = verdict.redacted
        if call.kind == "chat":
            for message, item in zip(body["messages"], texts, strict=True):
                message["content"] = item["content"]
        elif call.kind == "completion":
            prompts = [t["content"] for t in texts]
            body["prompt"] = prompts[0] if isinstance(body["prompt"], str) else prompts
        elif isinstance(body.get("input"), str):
            body["input"] = texts[0]["content"]
    call.prompt_text = "\n".join(t["content"] for t in texts)


def _note(gw: Gateway, call: Call, stage: str, decision: Decision) -> None:
    call.record.decide(stage, decision.action, decision.rule_ids)
    gw.metrics.count_safety(stage, decision.action)


async def forward_json(gw: Gateway, call: Call) -> tuple[bytes, dict[str, str]]:
    """Send a non-streamed request; return the checked answer body and response headers.

    Raises:
        GatewayError: 400 when the answer is blocked, 502/504 for engine failures.
    """
    payload = orjson.dumps(call.body)
    sent = time.perf_counter()
    response = await gw.upstream.send(call.backend, PATHS[call.kind], payload, stream=False)
    engine_s = time.perf_counter() - sent
    raw = await response.aread()
    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise GatewayError(502, "the engine returned invalid JSON", code="engine_error",
                           err_type="server_error") from exc  # fmt: skip
    if not isinstance(answer, dict):
        raise GatewayError(502, "the engine returned an unexpected answer", code="engine_error",
                           err_type="server_error")  # fmt: skip
    # The engine's bytes go out as they came unless the answer had to change.
    changed = answer.get("model") != call.model.name
    answer["model"] = call.model.name
    if call.guards_output and call.kind != "embedding":
        await _guard_answer(gw, call, answer)
        changed = True
    usage = answer.get("usage")
    source = "engine"
    if not isinstance(usage, dict):
        usage, source = await count_usage(gw, call, _answer_text(answer))
        answer["usage"] = usage
        changed = True
    account_usage(gw, call, usage, source)
    overhead = (time.perf_counter() - call.started - engine_s) * 1000
    call.record.overhead_ms = round(overhead, 3)
    headers = {
        "x-modelsteward-overhead-ms": f"{overhead:.3f}",
        "x-modelsteward-usage-source": source,
        "x-request-id": call.record.request_id,
    }
    return (orjson.dumps(answer) if changed else raw), headers


def _answer_text(answer: dict[str, Any]) -> str:
    parts: list[str] = []
    for choice in answer.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        message = choice.get("message")
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            parts.append(message["content"])
        elif isinstance(choice.get("text"), str):
            parts.append(choice["text"])
    return "".join(parts)


async def _guard_answer(gw: Gateway, call: Call, answer: dict[str, Any]) -> None:
    layer = gw.layer()
    for choice in answer.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        message = choice.get("message")
        holder, field = (message, "content") if isinstance(message, dict) else (choice, "text")
        text = holder.get(field)
        if not isinstance(text, str) or not text:
            continue
        decision = decide(
            await gw.check(len(text), guarded, layer.check_text, text, role("assistant"))
        )
        _note(gw, call, "output", decision)
        if decision.blocked:
            raise blocked_error(decision, "answer")
        if decision.action == "redact" and decision.redacted is not None:
            holder[field] = decision.redacted


def account_usage(gw: Gateway, call: Call, usage: dict[str, Any], source: str) -> None:
    """Put token counts on the audit record and the metrics (quotas are charged at the end)."""
    prompt = _int(usage.get("prompt_tokens"))
    completion = _int(usage.get("completion_tokens"))
    call.record.prompt_tokens = prompt
    call.record.completion_tokens = completion
    call.record.usage_source = source
    gw.metrics.count_tokens(call.model.name, prompt, completion)


def _int(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


async def finish(gw: Gateway, call: Call, status: int, error: str | None = None) -> None:
    """Charge the key's quotas, record metrics and write the audit record."""
    record = call.record
    tokens = (record.prompt_tokens or 0) + (record.completion_tokens or 0)
    try:
        await gw.quotas.charge(call.key, tokens)
    except DependencyDown as exc:
        # The answer is already out: it stands; the tokens could not be charged.
        gw.deps.mark_down(exc.name, exc.reason)
        error = error or f"{tokens} tokens not charged: {exc.name} unreachable"
    finally:
        elapsed = time.perf_counter() - call.started
        record.status = status
        record.error = error
        record.latency_ms = round(elapsed * 1000, 3)
        gw.metrics.count_request(call.model.name, call.kind, status)
        gw.metrics.observe(call.model.name, elapsed, record.overhead_ms / 1000)
        gw.audit.write(record)
