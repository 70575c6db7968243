"""Throughput evidence from a bounded benchmark: against a scripted OpenAI-compatible server
whose numbers are known, and against the real embedded llama.cpp engine."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from modelsteward.cli import main
from modelsteward.selection.measure import measure_throughput
from modelsteward.selection.scenario import SelectionError
from tests.selection.conftest import scenario_text
from tests.shared import STORIES

SHARED_GGUF = STORIES


class _Scripted(BaseHTTPRequestHandler):
    """Answers every chat completion with 50 completion tokens after 50 ms."""

    status = 200
    seen: list[dict[str, object]] = []  # noqa: RUF012

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        time.sleep(0.05)
        payload = json.dumps(
            {"choices": [{"message": {"content": "x"}}], "usage": {"completion_tokens": 50}}
        ).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[str]:
    _Scripted.seen = []
    _Scripted.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_measurement_counts_reported_tokens_over_wall_time(scripted: str) -> None:
    result = measure_throughput(
        scripted, "m", api_key="k1", input_tokens=40, output_tokens=50, requests=8, concurrency=4
    )
    # 8 requests of 50 tokens, 4 at a time, 50 ms each: 400 tokens in about 0.1 s.
    assert result.completion_tokens == 400
    assert 0.09 < result.seconds < 2.0
    assert result.tokens_per_second == pytest.approx(400 / result.seconds)
    first = _Scripted.seen[0]
    assert first["path"] == "/v1/chat/completions"
    assert first["auth"] == "Bearer k1"
    body = first["body"]
    assert isinstance(body, dict) and body["max_tokens"] == 50 and body["model"] == "m"


def test_errors_and_time_limits_are_clear(scripted: str) -> None:
    _Scripted.status = 500
    with pytest.raises(SelectionError, match="answered HTTP 500"):
        measure_throughput(scripted, "m", requests=1, concurrency=1)
    _Scripted.status = 200
    with pytest.raises(SelectionError, match="took longer than"):
        measure_throughput(scripted, "m", requests=40, concurrency=1, time_limit_s=1.0)
    with pytest.raises(SelectionError, match="cannot measure"):
        measure_throughput("http://127.0.0.1:9/v1", "m", requests=1, time_limit_s=5)


def test_select_uses_the_measured_figure(
    scripted: str, tmp_path: Path, round_prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(), encoding="utf-8")
    code = main.run(
        [
            "select",
            str(path),
            "--prices",
            str(round_prices),
            "--measure",
            scripted,
            "--measure-requests",
            "4",
            "--measure-concurrency",
            "2",
            "-f",
            "json",
        ]
    )
    assert code == 0
    out = capsys.readouterr()
    assert "measuring open-model" in out.err
    sel = json.loads(out.out)["selection"]
    cand = next(c for c in sel["candidates"] if c["name"] == "open-model")
    assert cand["throughput_source"].startswith(f"measured at {scripted}")
    assert cand["tokens_per_second_per_gpu"] != 1000  # not the stated figure
    assumption = next(
        a for a in sel["assumptions"] if a["name"] == "open-model.tokens_per_second_per_gpu"
    )
    assert assumption["source"].startswith("measured at")


def test_measurement_against_the_real_embedded_engine() -> None:
    if not SHARED_GGUF.is_file():
        pytest.skip(f"shared test model absent: {SHARED_GGUF}")
    pytest.importorskip("xllamacpp")
    from modelsteward.engines import EmbeddedLlamaServer

    with EmbeddedLlamaServer(SHARED_GGUF, n_ctx=512, threads=1, parallel=2) as server:
        result = measure_throughput(
            server.base_url,
            "stories",
            input_tokens=20,
            output_tokens=16,
            requests=4,
            concurrency=2,
            time_limit_s=60,
        )
    assert result.completion_tokens > 0
    assert result.tokens_per_second > 0
