"""The llama.cpp engine as its own process (so the soak run can kill and restart it):
serves a GGUF on a loopback port until SIGTERM.

Usage: python engine.py MODEL.gguf PORT
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from modelsteward.engines import EmbeddedLlamaServer


def main() -> None:
    model, port = Path(sys.argv[1]), int(sys.argv[2])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with EmbeddedLlamaServer(model, port=port, n_ctx=1024, threads=1, parallel=4):
        print("ready", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
