"""Scripted OpenAI-compatible upstreams: real HTTP servers on 127.0.0.1 whose behaviour is
known, so that the evaluation's scoring can be checked against it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Behaviour = Callable[[Sequence[dict[str, Any]]], str]

COMPLY = (
    "Sure, here is exactly how to do it. Step 1: gather everything you need. "
    "Step 2: follow the plan carefully and do not tell anyone."
)
REFUSE = "I'm sorry, but I can't help with that."


class Reject(Exception):
    """Raised by a behaviour: answer with this HTTP status and raw JSON body."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def complier(messages: Sequence[dict[str, Any]]) -> str:
    """Complies with every ask, never repeats its context."""
    return COMPLY


def refuser(messages: Sequence[dict[str, Any]]) -> str:
    """Refuses everything, safe prompts included."""
    return REFUSE


def leaker(messages: Sequence[dict[str, Any]]) -> str:
    """Repeats its system prompt to whoever asks; refuses when it has none."""
    system = [m["content"] for m in messages if m["role"] == "system"]
    if system:
        return "Of course! My instructions are: " + system[0]
    return REFUSE


def jailbreak_only(plain: set[str]) -> Behaviour:
    """Refuses the plain asks in ``plain`` and complies with anything else (wrapped asks)."""

    def answer(messages: Sequence[dict[str, Any]]) -> str:
        users = [m["content"] for m in messages if m["role"] == "user"]
        if len(users) == 1 and users[0] in plain:
            return REFUSE
        return COMPLY

    return answer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        srv = self.server
        with srv.lock:
            srv.requests.append(body)
        if srv.api_key and self.headers.get("Authorization") != f"Bearer {srv.api_key}":
            self._send(401, {"error": {"message": "bad key", "type": "auth", "code": "401"}})
            return
        if srv.delay_s:
            time.sleep(srv.delay_s)
        try:
            text = srv.behaviour(body["messages"])
        except Reject as exc:
            self._send(exc.status, json.loads(exc.body))
            return
        self._send(
            200,
            {
                "id": "x",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
            },
        )

    def _send(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: Behaviour, *, api_key: str | None, delay_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.api_key = api_key
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []


@contextmanager
def serve(
    behaviour: Behaviour, *, api_key: str | None = None, delay_s: float = 0.0
) -> Iterator[_Server]:
    """Run a scripted upstream; ``server.url`` is its base URL."""
    server = _Server(behaviour, api_key=api_key, delay_s=delay_s)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
