"""The embedded llama.cpp engine: the ``xllamacpp`` HTTP server running in this process.

``xllamacpp.Server`` starts llama.cpp's own OpenAI-compatible server on native threads when
it is constructed and stops it when the object is released, so this module owns exactly one
reference and drops it in :meth:`EmbeddedLlamaServer.stop`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from modelsteward.errors import StewardError


class EngineError(StewardError):
    """An engine could not be started or did not become healthy."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedLlamaServer:
    """llama.cpp serving one GGUF file on a loopback port, started and stopped in-process.

    Use it as a context manager or call :meth:`start` / :meth:`stop`. Once started,
    :attr:`base_url` (``http://host:port``) answers ``/health``, ``/v1/chat/completions``,
    ``/v1/completions``, ``/v1/embeddings`` (when ``embeddings`` is on) and ``/tokenize``.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int = 2048,
        threads: int | None = None,
        parallel: int = 4,
        embeddings: bool = True,
        alias: str | None = None,
        startup_timeout_s: float = 60.0,
    ) -> None:
        self.model_path = Path(model_path)
        self.host = host
        self.port = port
        self.n_ctx = n_ctx
        self.threads = threads or max(1, min(8, (os.cpu_count() or 2) // 2))
        self.parallel = parallel
        self.embeddings = embeddings
        self.alias = alias
        self.startup_timeout_s = startup_timeout_s
        self._server: Any = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server.

        Raises:
            EngineError: when the server is not running.
        """
        if self._server is None or self.port is None:
            raise EngineError(
                "the embedded llama.cpp engine is not running",
                hint="call start() or use the server as a context manager",
            )
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the server has been started and not stopped."""
        return self._server is not None

    def start(self) -> Self:
        """Load the model, start serving and wait until ``/health`` answers 200.

        Raises:
            EngineError: when the file is missing, the model cannot be loaded, or the
                server is not healthy within ``startup_timeout_s``.
        """
        with self._lock:
            if self._server is not None:
                return self
            if not self.model_path.is_file():
                raise EngineError(
                    f"GGUF file not found: {self.model_path}",
                    hint="pass the path of a local .gguf file",
                )
            if self.port is None:
                self.port = free_port(self.host)
            self._server = self._launch()
        try:
            self._wait_healthy()
        except EngineError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving and free the model; safe to call more than once."""
        with self._lock:
            server, self._server = self._server, None
        # Dropping the last reference runs the native destructor, which joins the server loop.
        del server

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _launch(self) -> Any:
        try:
            import xllamacpp
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EngineError(
                "the embedded llama.cpp engine needs the xllamacpp package",
                hint="pip install 'modelsteward[gateway]'",
            ) from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.hostnames = [self.host]
        params.port = int(self.port or 0)
        params.n_ctx = self.n_ctx
        params.n_parallel = self.parallel
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.verbosity = -1
        if self.alias:
            params.model_alias = self.alias
        if self.embeddings:
            params.embedding = True
            params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
        try:
            return xllamacpp.Server(params)
        except Exception as exc:  # the native layer raises plain RuntimeError/ValueError
            raise EngineError(
                f"llama.cpp could not load {self.model_path.name}: {exc}",
                hint="check that the file is a valid GGUF model llama.cpp supports",
            ) from exc

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        url = f"http://{self.host}:{self.port}/health"
        last = "no answer"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                try:
                    response = client.get(url)
                    if response.status_code == 200:
                        return
                    last = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    last = type(exc).__name__
                time.sleep(0.05)
        raise EngineError(
            f"llama.cpp did not become healthy on {url} within "
            f"{self.startup_timeout_s:.0f} s ({last})",
            hint="the model may be too large for this machine, or the port is taken",
        )
