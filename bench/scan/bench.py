"""Side-by-side benchmark of ``modelsteward scan`` with picklescan, modelscan, fickling and
modelaudit: detection on a malicious/benign corpus, then wall time on big inputs.

Run from the repository root:
    .venv/bin/python bench/scan/bench.py --peers /tmp/peers-scan/bin --work /tmp/msbench
Big files are written under --work and deleted at the end.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import os
import pickle
import shutil
import statistics
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from tests.scan.factories import call_pickle, patch_central, patch_local, torch_zip, zip_bytes  # noqa: E402
from tests.scan.test_pickle_bypasses import CASES  # noqa: E402

_NOT_MALICIOUS = {"truncated", "unknown-module", "getattr-result-called"}


def build_corpus(root: Path) -> tuple[list[Path], list[Path]]:
    """Malicious and benign files, each in its own directory."""
    bad, good = root / "malicious", root / "benign"
    bad.mkdir(parents=True)
    good.mkdir(parents=True)
    for name, build, _ in CASES:
        if name not in _NOT_MALICIOUS:
            (bad / f"{name}.pkl").write_bytes(build())
    payload = call_pickle("posix", "system", "id")
    tz = torch_zip(payload)
    extra: dict[str, bytes] = {
        "torch-zip.pt": tz,
        "zip-name-mismatch.pt": patch_local(tz, 0, field="name", value=b"archive/data.pkX"),
        "zip-flag-bit.pt": patch_central(tz, 0, field="flags", value=1),
        "zip-bad-crc.pt": patch_central(
            patch_local(tz, 0, field="crc", value=0xDEADBEEF), 0, field="crc", value=0xDEADBEEF
        ),
        "zip-odd-member.pt": zip_bytes(
            {"archive/w.bin": payload, "archive/data.pkl": b"\x80\x02N."}
        ),
        "nested.zip": zip_bytes({"m.zip": zip_bytes({"a/data.pkl": payload}, compress=True)}),
        "zlib.joblib": zlib.compress(payload),
        "gzip.joblib": gzip.compress(payload),
        "bz2.joblib": bz2.compress(payload),
        "xz.joblib": lzma.compress(payload),
    }
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - len(header) % 64) + "\n"
    extra["object.npy"] = (
        b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload
    )
    for name, data in extra.items():
        (bad / name).write_bytes(data)
    _benign(good)
    return sorted(bad.iterdir()), sorted(good.iterdir())


def _benign(good: Path) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    torch.save(model.state_dict(), good / "state.pt")
    torch.save(model.state_dict(), good / "legacy.pt", _use_new_zipfile_serialization=False)
    torch.save({"m": model.state_dict(), "step": 1}, good / "ckpt.pth", pickle_protocol=4)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((30, 3)), np.arange(30) % 2
    pipe = Pipeline([("s", StandardScaler()), ("lr", LogisticRegression())]).fit(x, y)
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(x, y)
    for compress in (0, 3, ("gzip", 3), ("xz", 3)):
        tag = compress if isinstance(compress, int) else compress[0]
        joblib.dump(pipe, good / f"pipe-{tag}.joblib", compress=compress)
        joblib.dump(forest, good / f"forest-{tag}.joblib", compress=compress)
    np.save(good / "a.npy", np.arange(10.0))
    np.savez(good / "b.npz", a=np.ones(3))
    for proto in range(6):
        (good / f"plain-{proto}.pkl").write_bytes(
            pickle.dumps({"a": [1, 2.0, "x"]}, protocol=proto)
        )


def tools(peers: Path) -> dict[str, Callable[[Path], list[str]]]:
    """Command lines per tool."""
    ours = str(REPO / ".venv" / "bin" / "modelsteward")
    return {
        "modelsteward": lambda p: [ours, "scan", str(p), "--format", "json", "--no-progress"],
        "picklescan": lambda p: [str(peers / "picklescan"), "-p", str(p)],
        "modelscan": lambda p: [str(peers / "modelscan"), "-p", str(p)],
        "fickling": lambda p: [str(peers / "fickling"), "--check-safety", str(p)],
        "modelaudit": lambda p: [str(peers / "modelaudit"), "scan", str(p)],
    }


def flagged(tool: str, rc: int) -> bool:
    """Whether a tool's exit code means it flagged the file."""
    if tool == "modelscan":
        return rc in (1, 2)
    return rc != 0


def run(cmd: list[str], timeout: float) -> tuple[int, float]:
    """Exit code and wall seconds."""
    start = time.perf_counter()
    try:
        rc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False).returncode
    except subprocess.TimeoutExpired:
        rc = -9
    return rc, time.perf_counter() - start


REPEATS = 7
"""Runs per CLI measurement (the median is reported); a tool slower than 5 s runs once."""


def run_median(cmd: list[str], timeout: float) -> tuple[int, float]:
    """Exit code of the first run and the median wall seconds over ``REPEATS`` runs."""
    rc, first = run(cmd, timeout)
    if rc == -9 or first > 5.0:
        return rc, first
    times = [first] + [run(cmd, timeout)[1] for _ in range(REPEATS - 1)]
    return rc, statistics.median(times)


def drop_page_cache() -> bool:
    """Empty the kernel's page cache (root only), so the next read comes from the disk."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def _ours_flagged(files: list[Path]) -> set[str]:
    """Our verdicts from one CLI call over the whole directory (JSON, findings >= high)."""
    cmd = [str(REPO / ".venv" / "bin" / "modelsteward"), "scan", str(files[0].parent)]
    proc = subprocess.run([*cmd, "--format", "json"], capture_output=True, check=False)
    report = json.loads(proc.stdout)
    serious = {"high", "critical"}
    return {
        Path(f["location"]["path"]).name for f in report["findings"] if f["severity"] in serious
    }


def detection(peers: Path, bad: list[Path], good: list[Path]) -> dict[str, dict[str, object]]:
    """TPR/FPR per tool, plus the malicious files each missed."""
    out: dict[str, dict[str, object]] = {}
    for tool, cmd in tools(peers).items():
        if tool == "modelsteward":
            hits = _ours_flagged(bad) | _ours_flagged(good)
            missed = [p.name for p in bad if p.name not in hits]
            false = [p.name for p in good if p.name in hits]
        else:
            missed = [p.name for p in bad if not flagged(tool, run(cmd(p), 60)[0])]
            false = [p.name for p in good if flagged(tool, run(cmd(p), 60)[0])]
        out[tool] = {
            "tpr": round(1 - len(missed) / len(bad), 3),
            "fpr": round(len(false) / len(good), 3),
            "missed": missed,
            "false_positives": false,
        }
        print(tool, out[tool], flush=True)
    return out


def big_inputs(work: Path) -> dict[str, Path]:
    """(a) a 1 GiB torch.save checkpoint, (b) 1,000 small pickles, (c) a 5 GiB safetensors."""
    ckpt = work / "big-ckpt" / "model.pt"
    ckpt.parent.mkdir(parents=True)
    torch.save({f"layer{i}.weight": torch.zeros(4096, 4096) for i in range(16)}, ckpt)
    small = work / "small"
    small.mkdir()
    for i in range(1000):
        (small / f"p{i}.pkl").write_bytes(pickle.dumps({"i": i, "v": [i] * 20}, protocol=4))
    st = work / "big-st" / "model.safetensors"
    st.parent.mkdir()
    _safetensors(st, tensors=20, each=256 * 1024 * 1024)
    os.sync()  # no tool should pay for the write-back of files just written
    return {"a_torch_1gib": ckpt, "b_1000_pickles": small, "c_safetensors_5gib": st}


def _safetensors(path: Path, *, tensors: int, each: int) -> None:
    header: dict[str, object] = {}
    for i in range(tensors):
        header[f"t{i}"] = {
            "dtype": "F32",
            "shape": [each // 4],
            "data_offsets": [i * each, (i + 1) * each],
        }
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    block = b"\x01" * (16 << 20)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        for _ in range(tensors * each // len(block)):
            fh.write(block)


def _library_seconds(path: Path, *, hash_files: bool = False, best_of: int = 2) -> float:
    """Best of ``best_of`` in-process runs of ``scan_path``."""
    from modelsteward.scan import ScanOptions, scan_path

    best = float("inf")
    for _ in range(best_of):
        start = time.perf_counter()
        scan_path(path, ScanOptions(hash_files=hash_files))
        best = min(best, time.perf_counter() - start)
    return round(best, 3)


def _read_seconds(path: Path) -> float:
    start = time.perf_counter()
    buf = bytearray(4 << 20)
    with open(path, "rb", buffering=0) as fh:
        while fh.readinto(buf):
            pass
    return round(time.perf_counter() - start, 3)


def cli_startup() -> float:
    """Seconds for ``modelsteward --version`` (the CLI's import cost, shared by all areas)."""
    return round(run([str(REPO / ".venv" / "bin" / "modelsteward"), "--version"], 60)[1], 2)


def timings(peers: Path, inputs: dict[str, Path]) -> dict[str, dict[str, float | str]]:
    """Wall seconds per tool and input (``--hash`` added for ours on (c))."""
    out: dict[str, dict[str, float | str]] = {}
    cmds = tools(peers)
    for label, path in inputs.items():
        row: dict[str, float | str] = {"modelsteward (library)": _library_seconds(path)}
        if label.startswith("c_"):
            row["read file, no hashing (4 MiB blocks)"] = _read_seconds(path)
            row["modelsteward --hash (library)"] = _library_seconds(path, hash_files=True)
            if drop_page_cache():
                row["cold: read file, no hashing"] = _read_seconds(path)
                drop_page_cache()
                row["cold: modelsteward --hash (library)"] = _library_seconds(
                    path, hash_files=True, best_of=1
                )
                _read_seconds(path)  # warm again for the CLI runs below
        for tool, cmd in cmds.items():
            if tool == "fickling" and path.is_dir():
                row[tool] = "n/a (one file per call)"
                continue
            rc, secs = run_median(cmd(path), 300)
            row[tool] = round(secs, 3) if rc != -9 else "timeout 300 s"
        if label.startswith("c_"):
            rc, secs = run_median([*cmds["modelsteward"](path), "--hash"], 300)
            row["modelsteward --hash"] = round(secs, 2)
        out[label] = row
        print(label, row, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peers", type=Path, default=Path("/tmp/peers-scan/bin"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/msbench"))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "scan" / "results.json")
    parser.add_argument(
        "--timings-only",
        action="store_true",
        help="re-measure wall times only; keep the detection figures of --out",
    )
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    try:
        bad, good = build_corpus(args.work / "corpus")
        if args.timings_only:
            det = json.loads(args.out.read_text(encoding="utf-8"))["detection"]
        else:
            det = detection(args.peers, bad, good)
        # An installed package runs from compiled bytecode (pip writes it for the peers);
        # compile ours too, since PYTHONDONTWRITEBYTECODE may keep imports from caching it.
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "modelsteward")],
            check=True,
        )
        times = timings(args.peers, big_inputs(args.work))
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    result = {
        "malicious": len(bad),
        "benign": len(good),
        "cli_startup_s": cli_startup(),
        "detection": det,
        "wall_s": times,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
