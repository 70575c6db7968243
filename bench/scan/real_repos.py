"""Real repositories, side by side with picklescan, modelscan, fickling and modelaudit.

Three measurements, in one run:

1. The benign corpus written by the real libraries (``tests/scan/real_corpus.py``:
   transformers, Trainer checkpoints, PEFT, torch modules and optimizers, scikit-learn,
   LightGBM, XGBoost, numpy, Keras, ONNX, GGUF, each with a license and a card) and the hostile
   cases added with it (a call hidden past a FRAME end, memo and allocation bombs, a 7z
   holding a pickle, a legacy whole-module checkpoint naming ``posix.system``, a trojan
   ``training_args.bin``): false positives, detections and wall time per tool.
2. A 1,000-file repository (configs, tokenizer files, small safetensors shards, pickles).
3. Remote vetting of a repository with 12 GiB of weights served by a local server in the
   Hub's API layout: bytes transferred and wall time, against ``--download``.

Run from the repository root:
    python3 -m venv /tmp/peers-scan && /tmp/peers-scan/bin/pip install picklescan modelscan \\
        fickling modelaudit
    .venv/bin/python bench/scan/real_repos.py --peers /tmp/peers-scan/bin --work /tmp/msreal
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.scan import real_corpus  # noqa: E402
from tests.scan.factories import PickleWriter, call_pickle, torch_zip, write  # noqa: E402

OURS = [sys.executable, "-m", "modelsteward"]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


def hostile(root: Path) -> list[Path]:
    """One directory per hostile case (a repository with a card, like the benign ones)."""
    from tests.scan.test_pickle_fidelity import _memo_bomb, _straddling

    system = call_pickle("posix", "system", "id")
    hidden = _straddling("posix", "system", "id")
    cases: dict[str, tuple[str, bytes]] = {
        "frame-straddle": ("model.pkl", hidden),
        "frame-straddle-torch": ("pytorch_model.bin", torch_zip(hidden)),
        "memo-bomb": ("model.pkl", _memo_bomb(range(0, 100_000 * 1024, 1024))),
        "binbytes8-bomb": ("model.pkl", b"\x80\x04\x8e" + (2**40).to_bytes(8, "little") + b"x."),
        "seven-zip": ("weights.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + system),
        "trojan-training-args": ("training_args.bin", torch_zip(system)),
    }
    w = PickleWriter(2).mark().unicode("module").global_("posix", "system")
    w.unicode("f.py").unicode("src").tuple_().binpersid().mark().unicode("id").tuple_().reduce()
    cases["legacy-module-trojan"] = ("model.pt", w.finish())
    w = PickleWriter(2).global_("builtins", "bytearray").raw(b"\x8a\x06\x00\x10\xa5\xd4\xe8\x00")
    cases["bytearray-terabyte"] = ("model.pkl", w.raw(b"\x85").reduce().finish())
    out = []
    for name, (filename, data) in cases.items():
        d = root / name
        write(d, filename, data)
        (d / "README.md").write_text("---\nlicense: mit\n---\n# model\n", encoding="utf-8")
        out.append(d)
    return out


def tools(peers: Path) -> dict[str, list[str]]:
    return {
        "modelsteward": [*OURS, "scan", "--format", "json", "--no-progress"],
        "picklescan": [str(peers / "picklescan"), "-p"],
        "modelscan": [str(peers / "modelscan"), "-p"],
        "fickling": [str(peers / "fickling"), "--check-safety"],
        "modelaudit": [str(peers / "modelaudit"), "scan"],
    }


def _verdict(tool: str, cmd: list[str], repo: Path) -> tuple[bool, float]:
    """Whether ``tool`` flags the repository (any of its files), and the wall seconds."""
    targets = [repo]
    if tool == "fickling":  # one file per call
        targets = [p for p in repo.rglob("*") if p.is_file() and p.suffix not in (".md", "")]
        targets = [p for p in targets if p.name not in ("LICENSE",)]
    start = time.perf_counter()
    flagged = False
    for target in targets:
        try:
            proc = subprocess.run(
                [*cmd, str(target)], capture_output=True, timeout=300, check=False, env=ENV
            )
        except subprocess.TimeoutExpired:
            flagged = True
            continue
        if tool == "modelsteward":
            doc = json.loads(proc.stdout or b"{}")
            flagged |= any(f["severity"] in ("high", "critical") for f in doc.get("findings", []))
        elif tool == "modelscan":
            flagged |= proc.returncode in (1, 2)
        else:
            flagged |= proc.returncode != 0
    return flagged, time.perf_counter() - start


def corpus(peers: Path, work: Path) -> dict[str, object]:
    benign_root, bad_root = work / "benign", work / "hostile"
    benign = []
    for name in real_corpus.BUILDERS:
        try:
            benign.append(real_corpus.build(name, benign_root))
        except real_corpus.MissingLibrary as exc:
            print(f"skip {name}: {exc} not installed", flush=True)
    bad = hostile(bad_root)
    out: dict[str, object] = {}
    for tool, cmd in tools(peers).items():
        if tool != "modelsteward" and not Path(cmd[0]).exists():
            continue
        verdicts = [(r.name, *_verdict(tool, cmd, r)) for r in benign]
        fp = [name for name, flagged, _ in verdicts if flagged]
        seconds = sum(secs for _, _, secs in verdicts)
        missed = [r.name for r in bad if not _verdict(tool, cmd, r)[0]]
        out[tool] = {
            "benign_repos": len(benign),
            "false_positive_repos": fp,
            "hostile_cases": len(bad),
            "missed": missed,
            "benign_seconds": round(seconds, 2),
        }
        print(tool, out[tool], flush=True)
    return out


def thousand_files(peers: Path, work: Path) -> dict[str, float]:
    """Wall seconds over one repository of 1,000 files."""
    from tests.test_hub import sparse_safetensors

    repo = work / "thousand"
    repo.mkdir(parents=True)
    for i in range(1000):
        kind = i % 4
        if kind == 0:
            sparse_safetensors(repo / f"model-{i:05d}.safetensors", tensors=4, each=4096)
        elif kind == 1:
            (repo / f"cfg-{i:05d}.json").write_text(json.dumps({"i": i, "layers": [i] * 8}))
        elif kind == 2:
            (repo / f"state-{i:05d}.pkl").write_bytes(pickle.dumps({"i": i, "w": [0.5] * 32}))
        else:
            (repo / f"notes-{i:05d}.txt").write_text(f"shard {i}\n" * 20)
    out: dict[str, float] = {}
    for tool, cmd in tools(peers).items():
        if tool == "fickling" or (tool != "modelsteward" and not Path(cmd[0]).exists()):
            continue
        start = time.perf_counter()
        subprocess.run([*cmd, str(repo)], capture_output=True, timeout=900, check=False, env=ENV)
        out[tool] = round(time.perf_counter() - start, 2)
        print("1000 files", tool, out[tool], flush=True)
    return out


def remote(work: Path, *, download: bool) -> dict[str, object]:
    """``vet hf://`` of a 12 GiB repository, by ranges and with ``--download``."""
    from tests.hub_server import HubRepos, serve
    from tests.test_hub import sparse_safetensors, sparse_torch_zip

    from modelsteward.demo.pickles import torch_state_dict_pickle as state_pickle

    root = work / "remote-repo"
    root.mkdir(parents=True)
    (root / "config.json").write_text('{"model_type": "llama"}')
    (root / "README.md").write_text("---\nlicense: mit\n---\n# big\n")
    (root / "LICENSE").write_text(real_corpus.MIT_TEXT)
    for shard in range(4):
        sparse_safetensors(
            root / f"model-{shard:05d}-of-00004.safetensors", tensors=40, each=64 << 20
        )
    pkl = state_pickle({f"w{i}": (1 << 28,) for i in range(2)})
    sparse_torch_zip(root / "pytorch_model.bin", pkl, [1 << 30, 1 << 30])
    total = sum(p.stat().st_size for p in root.iterdir())
    repos = HubRepos()
    repos.add("bench/big", root, commit="f" * 40)  # the server hashes the files once
    repos.listing("bench/big")
    server, endpoint = serve(repos)
    out: dict[str, object] = {"repo_bytes": total}
    try:
        modes = [("ranges", [])] + ([("download", ["--download"])] if download else [])
        for label, extra in modes:
            home = work / f"hf-home-{label}"
            env = {**ENV, "HF_ENDPOINT": endpoint, "HF_HOME": str(home)}
            repos.bytes_sent = 0
            start = time.perf_counter()
            proc = subprocess.run(
                [*OURS, "--no-progress", "--format", "json", "vet", *extra, "hf://bench/big"],
                capture_output=True, env=env, timeout=3600, check=False,
            )  # fmt: skip
            seconds = time.perf_counter() - start
            out[label] = {
                "seconds": round(seconds, 2),
                "bytes": repos.bytes_sent,
                "share": round(repos.bytes_sent / total, 6),
                "exit": proc.returncode,
            }
            print("remote", label, out[label], flush=True)
            shutil.rmtree(home, ignore_errors=True)
    finally:
        server.shutdown()
        server.server_close()
    return out


def _only(name: str, work: Path, peers: Path, download: bool) -> dict[str, object]:
    if name == "corpus":
        return corpus(peers, work / "corpus")
    if name == "thousand_files":
        return dict(thousand_files(peers, work))
    return remote(work, download=download)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peers", type=Path, default=Path("/tmp/peers-scan/bin"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/msreal"))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "scan" / "real_repos.json")
    parser.add_argument("--skip-download", action="store_true", help="ranges only")
    parser.add_argument(
        "--only", choices=["corpus", "thousand_files", "remote"], help="run one measurement"
    )
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    names = [args.only] if args.only else ["corpus", "thousand_files", "remote"]
    results: dict[str, object] = {}
    if args.only and args.out.exists():
        results = json.loads(args.out.read_text(encoding="utf-8"))
    try:
        for name in names:
            results[name] = _only(name, args.work, args.peers, not args.skip_download)
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
