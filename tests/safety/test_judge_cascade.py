"""The judge decides only the uncertain band: a cascade over a real local HTTP endpoint.

The endpoint is a scripted OpenAI-compatible server on 127.0.0.1 that answers like Llama
Guard and counts the texts it was asked about.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from modelsteward.safety import (
    Action,
    Category,
    Detection,
    Hazard,
    Role,
    SafetyError,
    SafetyLayer,
    SafetyPolicy,
    parse_safety_policy,
)
from modelsteward.safety.guards.judge import JudgeGuard


@dataclass
class _Judged:
    texts: list[str]


@pytest.fixture
def judge_server() -> Iterator[tuple[str, _Judged]]:
    judged = _Judged([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            prompt = body["messages"][0]["content"]
            judged.texts.append(prompt)
            reply = "unsafe\nS2" if "launder" in prompt else "safe"
            data = json.dumps({"choices": [{"message": {"content": reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", judged
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class _FixedGuard:
    """An offline guard with a fixed harm score, to place a text in or out of the band."""

    score: float
    name: str = "fixed"

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        return (Detection(category=Category.HARMFUL_REQUEST, score=self.score, source="rule"),)

    def check_request(self, messages: Sequence[object]) -> tuple[Detection, ...]:
        return ()


@pytest.mark.parametrize(
    ("offline", "asked", "action"),
    [
        (0.05, False, Action.ALLOW),  # clearly clean: the judge is not asked
        (0.3, True, Action.BLOCK),  # uncertain: the judge decides (unsafe)
        (0.9, False, Action.BLOCK),  # clearly harmful: the offline verdict stands
    ],
)
def test_judge_decides_only_the_uncertain_band(
    judge_server: tuple[str, _Judged], offline: float, asked: bool, action: Action
) -> None:
    url, judged = judge_server
    policy = parse_safety_policy({"judge": True, "judge_band": [0.2, 0.5]})
    layer = SafetyLayer(
        policy,
        guards=[_FixedGuard(offline)],
        judge=JudgeGuard(base_url=url, model="llama-guard"),
    )
    verdict = layer.check_text("How do I launder money through a shell company?")
    assert bool(judged.texts) is asked
    assert verdict.action is action
    if asked:
        assert verdict.hazard is Hazard.S2
        assert verdict.rule_ids == ("safety.guard.harmful-request",)


def test_uncertain_but_safe_text_is_allowed_by_the_judge(
    judge_server: tuple[str, _Judged],
) -> None:
    url, judged = judge_server
    layer = SafetyLayer(
        SafetyPolicy(judge=True, judge_band=(0.2, 0.5)),
        guards=[_FixedGuard(0.3)],
        judge=JudgeGuard(base_url=url, model="llama-guard"),
    )
    assert layer.check_text("How do I kill a Python process?").action is Action.ALLOW
    assert len(judged.texts) == 1


def test_judge_band_must_be_ordered() -> None:
    with pytest.raises(SafetyError, match="judge_band"):
        parse_safety_policy({"judge": True, "judge_band": [0.6, 0.2]})
