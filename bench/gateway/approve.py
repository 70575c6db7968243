"""Create a registry in which the fake upstream's declared files are approved, and write the
modelsteward gateway configs for the benchmark (plain and with the default guards).

Usage: python approve.py WORKDIR UPSTREAM_PORT SLOW_UPSTREAM_PORT
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

from modelsteward.registry import open_registry

FILES = {"weights.bin": hashlib.sha256(b"benchmark upstream weights").hexdigest()}
KEY_SHA = hashlib.sha256(b"sk-bench-1234").hexdigest()


def main() -> None:
    work, port, slow = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    dsn = f"sqlite:///{work / 'registry.db'}"
    registry = open_registry(dsn)
    try:
        registry.add_model("fake", source="bench", revision="1", files=FILES, actor="alice")
        registry.record_passport("fake", {}, "needs_review", ["security"], [], "alice")
        registry.request_approval("fake", "alice")
        registry.approve("fake", "security", "bob", "benchmark upstream")
    finally:
        registry.close()
    for name, safety in (("plain", "off"), ("guarded", "default")):
        models = [
            {"name": model, "engine": "openai", "urls": [f"http://127.0.0.1:{p}/v1"],
             "files": FILES, "safety": safety, "timeout_s": 30}
            for model, p in (("fake-model", port), ("fake-model-slow", slow))
        ]  # fmt: skip
        config = {
            "registry": dsn,
            "audit": {"sink": "jsonl", "path": str(work / f"audit-{name}.jsonl")},
            "models": models,
            "keys": [{"name": "bench", "sha256": KEY_SHA}],
        }
        (work / f"ms-{name}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


if __name__ == "__main__":
    main()
