"""Interleaved CLI timings: each round runs every tool once, in a rotating order, so that a
drift in machine load hits all tools alike; prints the median per tool.

    .venv/bin/python bench/scan/interleaved.py --rounds 21 CKPT.pt PICKLE_DIR
(the inputs are (a) and (b) of bench.py; build them with bench.big_inputs or keep --work)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint", type=Path, help="input (a): a torch.save zip")
    parser.add_argument("pickles", type=Path, help="input (b): a directory of pickles")
    parser.add_argument("--peers", type=Path, default=Path("/tmp/peers-scan/bin"))
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    ours = str(REPO / ".venv" / "bin" / "modelsteward")
    peers = args.peers
    cases = {
        "a": {
            "modelsteward": [ours, "scan", str(args.checkpoint)],
            "picklescan": [str(peers / "picklescan"), "-p", str(args.checkpoint)],
            "fickling": [str(peers / "fickling"), "--check-safety", str(args.checkpoint)],
        },
        "b": {
            "modelsteward": [ours, "scan", str(args.pickles)],
            "picklescan": [str(peers / "picklescan"), "-p", str(args.pickles)],
        },
    }
    out: dict[str, dict[str, float]] = {}
    for label, tools in cases.items():
        names = list(tools)
        times: dict[str, list[float]] = {name: [] for name in names}
        for r in range(args.rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                start = time.perf_counter()
                subprocess.run(tools[name], capture_output=True, check=False)
                times[name].append(time.perf_counter() - start)
        out[label] = {name: round(statistics.median(v), 4) for name, v in times.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
