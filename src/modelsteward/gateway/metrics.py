"""Prometheus metrics of one gateway app (its own registry, so several apps can coexist)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_OVERHEAD_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1)


class Metrics:
    """Request, token, safety and latency series."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "modelsteward_requests",
            "Requests by model, endpoint and status.",
            ["model", "endpoint", "status"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "modelsteward_tokens",
            "Tokens by model and kind (prompt/completion).",
            ["model", "kind"],
            registry=self.registry,
        )
        self.safety = Counter(
            "modelsteward_safety_actions",
            "Safety decisions by stage and action.",
            ["stage", "action"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "modelsteward_request_seconds",
            "Total request latency.",
            ["model"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.overhead = Histogram(
            "modelsteward_overhead_seconds",
            "Time spent in the gateway itself (before the engine answered).",
            buckets=_OVERHEAD_BUCKETS,
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
