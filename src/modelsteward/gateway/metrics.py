"""Prometheus metrics of one gateway app (its own registry, so several apps can coexist)."""

from __future__ import annotations

from typing import Any

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

        self._children: dict[tuple[Any, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        # ``labels()`` validates and hashes on every call; the children never change.
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def count_request(self, model: str, endpoint: str, status: int) -> None:
        """One finished request."""
        self._child(self.requests, model, endpoint, str(status)).inc()

    def count_tokens(self, model: str, prompt: int, completion: int) -> None:
        """Tokens a request used."""
        self._child(self.tokens, model, "prompt").inc(prompt)
        self._child(self.tokens, model, "completion").inc(completion)

    def count_safety(self, stage: str, action: str) -> None:
        """One safety decision."""
        self._child(self.safety, stage, action).inc()

    def observe(self, model: str, latency_s: float, overhead_s: float) -> None:
        """A finished request's total latency and the gateway's own time."""
        self._child(self.latency, model).observe(latency_s)
        self.overhead.observe(overhead_s)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
