"""Throughput evidence: a short, bounded benchmark of an OpenAI-compatible endpoint.

It sends ``requests`` chat completions of the use's prompt length, ``concurrency`` at a time,
asks for the use's answer length, and divides the completion tokens the server reports by
the wall time. Every request and the whole run are bounded in time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from modelsteward.selection.scenario import SelectionError

_TEXT = (
    "please summarise the customer's message about the delayed order and suggest a polite "
    "reply that offers a refund or a replacement and explains the next steps clearly"
)
_WORDS = _TEXT.split()


@dataclass(frozen=True, slots=True, kw_only=True)
class Throughput:
    """What a measurement found."""

    endpoint: str
    model: str
    requests: int
    completion_tokens: int
    seconds: float
    tokens_per_second: float
    """Aggregate completion tokens per second across the concurrent requests."""
    concurrency: int


def _prompt(tokens: float) -> str:
    """A realistic prompt of roughly ``tokens`` tokens (about 0.75 words a token)."""
    count = max(1, round(tokens * 0.75))
    return " ".join(_WORDS[i % len(_WORDS)] for i in range(count))


async def _one(client: httpx.AsyncClient, url: str, body: dict[str, object], timeout: float) -> int:
    resp = await client.post(url, json=body, timeout=timeout)
    if resp.status_code != 200:
        raise SelectionError(
            f"{url} answered HTTP {resp.status_code} during the throughput measurement",
            hint="check the endpoint, the model name and the API key",
        )
    try:
        usage = resp.json()["usage"]
        return int(usage["completion_tokens"])
    except (ValueError, KeyError, TypeError):
        raise SelectionError(
            f"{url} did not report usage.completion_tokens",
            hint="measure an OpenAI-compatible endpoint that reports token usage",
        ) from None


async def _run(
    base_url: str,
    model: str,
    *,
    api_key: str | None,
    input_tokens: float,
    output_tokens: int,
    requests: int,
    concurrency: int,
    request_timeout: float,
) -> tuple[int, float]:
    url = base_url.rstrip("/") + "/chat/completions"
    if not base_url.rstrip("/").endswith("/v1"):
        url = base_url.rstrip("/") + "/v1/chat/completions"
    body: dict[str, object] = {
        "model": model,
        "messages": [{"role": "user", "content": _prompt(input_tokens)}],
        "max_tokens": output_tokens,
        "temperature": 0,
    }
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    gate = asyncio.Semaphore(concurrency)

    async def bounded(client: httpx.AsyncClient) -> int:
        async with gate:
            return await _one(client, url, body, request_timeout)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits) as client:
        start = time.perf_counter()
        counts = await asyncio.gather(*(bounded(client) for _ in range(requests)))
        return sum(counts), time.perf_counter() - start


def measure_throughput(
    base_url: str,
    model: str,
    *,
    api_key: str | None = None,
    input_tokens: float = 256,
    output_tokens: int = 128,
    requests: int = 16,
    concurrency: int = 4,
    time_limit_s: float = 120.0,
) -> Throughput:
    """Measure aggregate completion tokens per second at ``concurrency``.

    Raises:
        SelectionError: when the endpoint cannot be reached, answers an error, reports no
            usage, or the run exceeds ``time_limit_s``.
    """
    if requests < 1 or concurrency < 1:
        raise SelectionError(
            "the measurement needs at least one request and a concurrency of one",
            hint="give --measure-requests N and --measure-concurrency N above zero",
        )
    try:
        tokens, seconds = asyncio.run(
            asyncio.wait_for(
                _run(
                    base_url,
                    model,
                    api_key=api_key,
                    input_tokens=input_tokens,
                    output_tokens=max(1, int(output_tokens)),
                    requests=requests,
                    concurrency=min(concurrency, requests),
                    request_timeout=time_limit_s,
                ),
                timeout=time_limit_s,
            )
        )
    except TimeoutError:
        raise SelectionError(
            f"measuring {base_url} took longer than {time_limit_s:g} s",
            hint="measure fewer requests or a shorter answer, or state the throughput",
        ) from None
    except httpx.HTTPError as exc:
        raise SelectionError(
            f"cannot measure {base_url}: {exc.__class__.__name__}: {exc}",
            hint="check that the endpoint is up and reachable from here",
        ) from None
    if tokens <= 0 or seconds <= 0:
        raise SelectionError(
            f"{base_url} produced no completion tokens during the measurement",
            hint="check that the model generates text for the prompt",
        )
    return Throughput(
        endpoint=base_url,
        model=model,
        requests=requests,
        completion_tokens=tokens,
        seconds=seconds,
        tokens_per_second=tokens / seconds,
        concurrency=min(concurrency, requests),
    )
