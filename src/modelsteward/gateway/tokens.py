"""Token counts for answers whose engine did not report usage.

The count uses the model's own tokenizer through the engine's ``/tokenize`` endpoint
(llama.cpp, including the embedded engine); where the engine has none, it falls back to an
estimate of four characters per token. The source is recorded as ``tokenizer`` or
``estimate`` so nobody mistakes one for the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from modelsteward.gateway.proxy import Call
    from modelsteward.gateway.state import Gateway


async def count_usage(gw: Gateway, call: Call, completion: str) -> tuple[dict[str, Any], str]:
    """``usage`` for a prompt and answer, and whether it came from the tokenizer."""
    prompt_n = await _tokenize(gw, call, call.prompt_text)
    completion_n = await _tokenize(gw, call, completion) if prompt_n is not None else None
    if prompt_n is None or completion_n is None:
        prompt_n, completion_n = _estimate(call.prompt_text), _estimate(completion)
        source = "estimate"
    else:
        source = "tokenizer"
    usage = {
        "prompt_tokens": prompt_n,
        "completion_tokens": completion_n,
        "total_tokens": prompt_n + completion_n,
    }
    return usage, source


def _estimate(text: str) -> int:
    return (len(text) + 3) // 4


async def _tokenize(gw: Gateway, call: Call, text: str) -> int | None:
    if not text:
        return 0
    for replica in call.backend.replicas:
        root = replica.base_url.removesuffix("/v1")
        try:
            response = await gw.upstream.client.post(
                root + "/tokenize", json={"content": text}, timeout=5.0
            )
        except httpx.HTTPError:
            continue
        if response.status_code != 200:
            return None
        tokens = response.json().get("tokens")
        return len(tokens) if isinstance(tokens, list) else None
    return None
