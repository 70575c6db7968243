"""Time-boxed mutation fuzzing of the scanner, run in its own process by
``test_fuzz_budget.py`` (so its peak memory is the scanner's, not the test session's).

    python -m tests.scan.fuzz_budget SEED_DIR --seconds 40 [--seed 16]

Each round takes a real file from ``SEED_DIR``, mutates it (byte flips, cuts, inserted
junk, repeated slices, length fields set to huge values), writes it under its own name and
scans it. Prints one JSON line: files scanned, the slowest file, the process's peak RSS (and its
growth over the RSS at the start),
the findings seen and every failure (an escaped exception or ``scan.scanner.failed``).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import struct
import sys
import tempfile
import time
from pathlib import Path

from modelsteward.scan import ScanOptions, scan_path


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random mutations of ``data``."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not buf:
            buf = bytearray(rng.randbytes(16))
        pos = rng.randrange(len(buf))
        choice = rng.randrange(6)
        if choice == 0:
            for _ in range(rng.randint(1, 16)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice == 1:
            del buf[rng.randint(1, len(buf)) :]
        elif choice == 2:
            buf[pos:pos] = rng.randbytes(rng.randint(1, 64))
        elif choice == 3:
            end = min(len(buf), pos + rng.randint(1, 256))
            buf[pos:pos] = buf[pos:end] * rng.randint(2, 8)
        elif choice == 4:
            # A length or count field turned huge: the classic way to ask for memory.
            value = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 1 << 40, (1 << 63) - 1, 1 << 31])
            packed = struct.pack("<Q", value)[: rng.choice([4, 8])]
            buf[pos : pos + len(packed)] = packed
        else:
            buf[pos : pos + 4] = b"\xff\xff\xff\xff"
    return bytes(buf)


def _peak_kib() -> int:
    """This process's own resident high-water mark (VmHWM), in KiB; ``ru_maxrss`` would
    start at the parent's size from before exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("seed_dir", type=Path)
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--file-timeout", type=float, default=10.0)
    ap.add_argument("--trace", action="store_true", help="name each file on stderr first")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    seeds = {p.name: p.read_bytes() for p in sorted(args.seed_dir.iterdir()) if p.is_file()}
    options = ScanOptions(timeout_s=args.file_timeout)
    files, slowest, slowest_name = 0, 0.0, ""
    rules: dict[str, int] = {}
    failures: list[str] = []
    jumps: list[str] = []
    last_peak = start_kib = _peak_kib()
    deadline = time.monotonic() + args.seconds
    with tempfile.TemporaryDirectory(prefix="ms-fuzz-") as tmp:
        while time.monotonic() < deadline:
            name = rng.choice(sorted(seeds))
            folder = Path(tmp) / str(files)
            folder.mkdir()
            path = folder / name
            path.write_bytes(mutate(seeds[name], rng))
            if args.trace:
                sys.stderr.write(f"{files} {name}\n")
                sys.stderr.flush()
            started = time.monotonic()
            try:
                report = scan_path(path, options)
            except Exception as exc:  # the very thing this fuzzer looks for
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.monotonic() - started
            peak = _peak_kib()
            if peak > last_peak + 50 * 1024:
                jumps.append(f"{name} #{files}: peak RSS {last_peak >> 10} -> {peak >> 10} MiB")
            last_peak = peak
            if elapsed > slowest:
                slowest, slowest_name = elapsed, name
            for rule in report.rule_ids():
                rules[rule] = rules.get(rule, 0) + 1
            failed = [f.message for f in report.findings if f.rule_id == "scan.scanner.failed"]
            if failed:
                failures.append(f"{name}: " + "; ".join(failed))
            path.unlink()
            folder.rmdir()
            files += 1
    peak_kib = _peak_kib()
    out = {"files": files, "seeds": len(seeds), "slowest_s": round(slowest, 3),
           "slowest": slowest_name, "peak_rss_mib": round(peak_kib / 1024, 1),
           "start_rss_mib": round(start_kib / 1024, 1),
           "growth_mib": round((peak_kib - start_kib) / 1024, 1),
           "rss_jumps": jumps[:20], "rules": rules, "failures": failures[:20]}  # fmt: skip
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
