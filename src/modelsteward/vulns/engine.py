"""The serving engine as an inventory: ask its version endpoint what it is.

vLLM answers ``GET /version`` with ``{"version": "0.8.4"}``, Ollama ``GET /api/version``
with ``{"version": "0.5.7"}``, and the llama.cpp server ``GET /props`` with a
``build_info`` such as ``b5432-4f1e2d3``.
"""

from __future__ import annotations

from typing import Any

import httpx

from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.package import Package

LLAMA_CPP = "github.com/ggml-org/llama.cpp"
OLLAMA = "github.com/ollama/ollama"


def inventory_from_engine(url: str, *, timeout: float = 5.0) -> list[Package]:
    """Identify the engine serving at ``url`` and return it as a package.

    vLLM is a PyPI package and is matched against PyPI advisories; Ollama (``Go``) and the
    llama.cpp server (``GIT``, version = build tag) are reported in the inventory and the BOM.

    Raises:
        VulnError: when the URL cannot be reached or no known version endpoint answers.
    """
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise VulnError(f"not an engine URL: {url}", hint="give http://host:port of the engine")
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            found = _probe(client, base)
    except httpx.HTTPError as exc:
        raise VulnError(
            f"cannot reach the engine at {base}: {type(exc).__name__}",
            hint="check the URL and that the engine is running",
        ) from exc
    if found is None:
        raise VulnError(
            f"{base} answers no known version endpoint",
            hint="supported engines: vLLM (/version), Ollama (/api/version), llama.cpp (/props)",
        )
    return [found]


def _json(client: httpx.Client, url: str) -> dict[str, Any] | None:
    response = client.get(url)
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _probe(client: httpx.Client, base: str) -> Package | None:
    props = _json(client, f"{base}/props")
    if props is not None and "build_info" in props:
        build = str(props["build_info"]).split("-", 1)[0]
        return Package(LLAMA_CPP, build, base, "GIT")
    version = _json(client, f"{base}/version")
    if version is not None and "version" in version:
        return Package("vllm", str(version["version"]), base)
    ollama = _json(client, f"{base}/api/version")
    if ollama is not None and "version" in ollama:
        return Package(OLLAMA, str(ollama["version"]), base, "Go")
    return None
