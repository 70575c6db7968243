"""CPU time a gateway process spends per proxied request (user + system, from /proc).

Less sensitive to a busy machine than wall-clock latency: run loadgen against the gateway
while sampling the gateway's CPU counters before and after.

Usage: python cpu_cost.py PID LOADGEN_ARGS...   (prints one JSON line)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its threads, in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def main() -> None:
    pid = int(sys.argv[1])
    before = cpu_seconds(pid)
    out = subprocess.run(sys.argv[2:], check=True, capture_output=True, text=True).stdout
    used = cpu_seconds(pid) - before
    result = json.loads(out.strip().splitlines()[-1])
    done = result["ok"] + result["errors"]
    warmup = 20
    result["gateway_cpu_ms_per_request"] = round(used * 1000 / (done + warmup), 3)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
