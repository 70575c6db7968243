"""The gateway YAML: valid files load, invalid ones fail at start with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelsteward.errors import ConfigError
from modelsteward.gateway.config import (
    Approval,
    EngineKind,
    Exposure,
    SafetyProfile,
    hash_key,
    load_gateway_config,
    parse_gateway_config,
)

GOOD = """
listen: {host: 127.0.0.1, port: 9000}
approval: auto
redis_url: redis://127.0.0.1:6379/0
audit: {sink: jsonl, path: logs/audit.jsonl}
models:
  - name: local
    engine: llamacpp
    path: m.gguf
  - name: remote
    engine: openai
    urls: [http://10.0.0.1:8000/v1/, http://10.0.0.2:8000/v1]
    upstream_model: org/model
    files: {model.safetensors: %s}
    exposure: customer_facing
keys:
  - name: team
    sha256: %s
    models: [remote]
    rpm: 10
    safety: input
"""


def test_full_config_loads(tmp_path: Path) -> None:
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    path = tmp_path / "gateway.yaml"
    path.write_text(GOOD % ("a" * 64, hash_key("sk-1")))
    config = load_gateway_config(path)
    assert (config.host, config.port, config.approval) == ("127.0.0.1", 9000, Approval.AUTO)
    local, remote = config.models
    assert local.engine is EngineKind.LLAMACPP and local.path == tmp_path / "m.gguf"
    assert remote.urls == ("http://10.0.0.1:8000/v1", "http://10.0.0.2:8000/v1")
    assert remote.exposure is Exposure.CUSTOMER_FACING
    assert config.audit_path == tmp_path / "logs" / "audit.jsonl"
    key = config.keys[0]
    assert key.allows("remote") and not key.allows("local") and key.rpm == 10
    assert SafetyProfile.OFF.stricter(key.safety) is SafetyProfile.INPUT


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"models": []}, "models"),
        ({"models": [{"name": "a", "engine": "vllm", "urls": ["http://x"]}]}, "engine"),
        ({"models": [{"name": "a", "engine": "openai"}]}, "needs urls"),
        ({"models": [{"name": "a", "engine": "openai", "urls": ["ftp://x"]}]}, "http"),
        ({"models": [{"name": "a", "engine": "llamacpp", "path": "absent.gguf"}]}, "not found"),
        ({"models": [{"name": "a", "engine": "openai", "urls": ["http://x"]}] * 2}, "duplicate"),
        (
            {"models": [{"name": "a", "engine": "openai", "urls": ["http://x"], "safety": "off",
                         "exposure": "customer_facing"}]},
            "customer-facing",
        ),
        (
            {"models": [{"name": "a", "engine": "openai", "urls": ["http://x"]}],
             "keys": [{"name": "k", "sha256": "a" * 64, "models": ["b"]}]},
            "unknown models",
        ),
        (
            {"models": [{"name": "a", "engine": "openai", "urls": ["http://x"]}],
             "listen": {"host": "0.0.0.0"}},
            "without API keys",
        ),
        ({"models": [{"name": "a", "engine": "openai", "urls": ["http://x"], "colour": 1}]},
         "colour"),
        ({"models": [{"name": "a", "engine": "openai", "urls": ["http://x"]}],
          "keys": [{"name": "k", "sha256": "plaintext-key"}]}, "sha256"),
    ],
)  # fmt: skip
def test_invalid_configs_are_config_errors(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_gateway_config(raw, base=Path("."))


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_gateway_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_gateway_config(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text")
    with pytest.raises(ConfigError, match="mapping"):
        load_gateway_config(scalar)


@pytest.mark.parametrize(
    ("streaming", "strict"), [("", False), ("streaming: {hold_last_token: true}\n", True)]
)
def test_strict_stream_hold_is_configurable_and_reaches_the_moderator(
    tmp_path: Path, streaming: str, strict: bool
) -> None:
    import asyncio

    from modelsteward.gateway.state import Options, build_gateway
    from modelsteward.safety import SafetyLayer

    raw = "models:\n  - name: m\n    engine: openai\n    urls: [http://127.0.0.1:9/v1]\n"
    path = tmp_path / "gateway.yaml"
    path.write_text(streaming + raw)
    config = load_gateway_config(path)
    assert config.stream_hold_last_token is strict

    async def first_release() -> str:
        options = Options(safety=SafetyLayer(), health_interval_s=0, data_dir=tmp_path)
        gateway = await build_gateway(config, f"sqlite:///{tmp_path / 'r.db'}", options)
        try:
            moderator = gateway.moderator(SafetyLayer(), 256)
            return str(getattr(moderator.feed(" tok0"), "text", ""))
        finally:
            await gateway.aclose()

    assert asyncio.run(first_release()) == ("" if strict else " tok0")


def test_safety_policy_with_a_model_runs_every_check_in_the_guard_threads(
    tmp_path: Path,
) -> None:
    import asyncio
    import threading

    from modelsteward.gateway.state import Options, build_gateway, load_safety

    pytest.importorskip("transformers", reason="the tiny classifier model needs transformers")
    from tests.safety.test_model_guard import _tiny

    _tiny(tmp_path / "clf", ("benign", "injection"), (0.0, -4.0))
    (tmp_path / "safety.yaml").write_text("model: {path: clf}\n", encoding="utf-8")
    raw = "safety_policy: safety.yaml\nmodels:\n  - {name: m, engine: openai, urls: [http://127.0.0.1:9/v1]}\n"
    (tmp_path / "gateway.yaml").write_text(raw, encoding="utf-8")
    config = load_gateway_config(tmp_path / "gateway.yaml")
    assert config.safety_policy == tmp_path / "safety.yaml"
    layer, why = load_safety(config, Options())
    assert layer is not None, why
    assert getattr(layer, "heavy", False)

    async def thread_of_a_short_check() -> str:
        options = Options(safety=layer, health_interval_s=0, data_dir=tmp_path)
        gateway = await build_gateway(config, f"sqlite:///{tmp_path / 'r.db'}", options)
        try:
            return str(await gateway.check(5, lambda: threading.current_thread().name))
        finally:
            await gateway.aclose()

    assert asyncio.run(thread_of_a_short_check()).startswith("modelsteward-guard")


def test_a_safety_policy_naming_a_missing_model_leaves_no_layer(tmp_path: Path) -> None:
    from modelsteward.gateway.state import Options, load_safety

    (tmp_path / "safety.yaml").write_text("model: {path: nowhere}\n", encoding="utf-8")
    raw = "safety_policy: safety.yaml\nmodels:\n  - {name: m, engine: openai, urls: [http://127.0.0.1:9/v1]}\n"
    layer, why = load_safety(parse_gateway_config(_yaml(raw), base=tmp_path), Options())
    assert layer is None
    assert "does not exist" in why


def _yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)
