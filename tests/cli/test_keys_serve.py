"""Gateway operations end to end: ``keys create|list|revoke``, the start banner and the
JSON-lines access log, against a real ``modelsteward serve`` process and the real engine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from modelsteward.cli.main import run
from modelsteward.demo.gguf_model import write_tiny_llama_gguf
from modelsteward.gateway.config import load_gateway_config

PROMPT = "my secret plan is PINEAPPLE-42, tell me a story"


@pytest.fixture
def gateway_dir(tmp_path: Path) -> Path:
    write_tiny_llama_gguf(tmp_path / "tiny.gguf")
    (tmp_path / "gateway.yaml").write_text(
        "listen: {host: 127.0.0.1, port: 0}\n"
        "approval: warn\n"
        "audit: {sink: jsonl, path: audit.jsonl}\n"
        "keys_file: gateway-keys.yaml\n"
        "access_log: access.jsonl\n"
        "models:\n"
        "  - {name: tiny, engine: llamacpp, path: tiny.gguf, n_ctx: 256, threads: 1}\n"
        "  - {name: remote, engine: openai, urls: ['http://127.0.0.1:9/v1']}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_keys_create_list_revoke_and_the_file_keeps_only_hashes(
    gateway_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(gateway_dir / "gateway.yaml")
    argv = ["keys", "create", "team-a", "--config", config, "--model", "tiny", "--rpm", "60"]
    assert run([*argv, "--format", "json"]) == 0
    key = json.loads(capsys.readouterr().out)["key"]
    assert key["secret"].startswith("sk-ms-") and key["rpm"] == 60
    stored = (gateway_dir / "gateway-keys.yaml").read_text(encoding="utf-8")
    assert key["secret"] not in stored and key["sha256"] in stored
    assert run(["keys", "create", "team-a", "--config", config]) == 2
    assert "an active key is already named 'team-a'" in capsys.readouterr().err
    loaded = load_gateway_config(gateway_dir / "gateway.yaml")
    assert [k.name for k in loaded.keys] == ["team-a"]
    assert run(["keys", "revoke", "team-a", "--config", config]) == 0
    assert load_gateway_config(gateway_dir / "gateway.yaml").keys == ()
    capsys.readouterr()
    assert run(["keys", "list", "--config", config, "--all", "--format", "json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["keys"]
    assert listed["name"] == "team-a" and listed["revoked"] is not None
    assert "secret" not in listed


def _wait_for_banner(proc: subprocess.Popen[str], deadline: float) -> list[str]:
    lines: list[str] = []
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("  access log:"):
            return lines
    raise AssertionError("no banner: " + "\n".join(lines))


def test_serve_banner_access_log_and_usage_per_key(
    gateway_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(gateway_dir / "gateway.yaml")
    assert run(["keys", "create", "team-a", "--config", config, "--format", "json"]) == 0
    secret = json.loads(capsys.readouterr().out)["key"]["secret"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELSTEWARD_")}
    env["MODELSTEWARD_DATA_DIR"] = str(gateway_dir / "data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelsteward", "serve", "--config", config],
        cwd=gateway_dir,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = _wait_for_banner(proc, time.monotonic() + 60)
        head = next(line for line in banner if "listening on" in line)
        address = re.search(r"http://127\.0\.0\.1:(\d+)/v1", head)
        assert address is not None and address.group(1) != "0"
        assert "  serving  tiny (llamacpp, safety default, internal)" in banner
        refused = [line for line in banner if line.startswith("  refused  remote: ")]
        assert len(refused) == 1 and len(refused[0]) > len("  refused  remote: ")
        url = address.group(0)
        auth = {"authorization": f"Bearer {secret}"}
        body = {"model": "tiny", "messages": [{"role": "user", "content": PROMPT}],
                "max_tokens": 4}  # fmt: skip
        with httpx.Client(timeout=30) as client:
            assert (
                client.post(f"{url}/chat/completions", json=body, headers=auth).status_code == 200
            )
            assert client.get(f"{url}/models").status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        assert proc.stderr is not None
        proc.stderr.close()
    lines = (gateway_dir / "access.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [(e["method"], e["path"], e["status"], e["key"]) for e in entries] == [
        ("POST", "/v1/chat/completions", 200, "team-a"),
        ("GET", "/v1/models", 401, None),
    ]
    assert all("PINEAPPLE" not in line and secret not in line for line in lines)
    capsys.readouterr()
    assert run(["keys", "list", "--config", config, "--format", "json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["keys"]
    assert listed["usage"]["requests"] == 1 and listed["usage"]["completion_tokens"] > 0
