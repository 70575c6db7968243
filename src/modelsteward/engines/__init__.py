"""Serving engines the gateway can start in-process.

Built-ins are listed explicitly; today there is one, the embedded llama.cpp server.
"""

from __future__ import annotations

from modelsteward.engines.llamacpp import EmbeddedLlamaServer, EngineError

__all__ = ["EmbeddedLlamaServer", "EngineError"]
