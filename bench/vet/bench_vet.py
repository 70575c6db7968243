"""Benchmark: vet a 20-file model directory (walk, scan, license, policy) without hashing.

Builds a Hugging Face-style model directory of 20 files by code (8 safetensors shards, a GGUF,
a PyTorch zip checkpoint, tokenizer and config files, a model card), then times
``vet_paths`` + ``evaluate`` in-process (hashing off, as the target excludes hashing large
weights), the same with hashing on, and the whole CLI (``modelsteward vet --no-hash``) as a
subprocess including interpreter start-up. With ``--peers DIR`` it also times the peer scanners
found in that virtual environment (modelscan, picklescan) on the same directory.

    python bench/vet/bench_vet.py [--repeat 10] [--peers /tmp/peers-vet]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from modelsteward.demo.models import CHAT_TEMPLATE
from modelsteward.demo.pickles import torch_state_dict_pickle
from modelsteward.licenses import PRESETS
from modelsteward.policy import default_policy, evaluate
from modelsteward.vet import VetOptions, vet_paths

SHARDS = 8
SHARD_MB = 4


def build_model(root: Path) -> Path:
    """A 20-file model directory."""
    import gguf

    model = root / "bench-llama"
    model.mkdir(parents=True)
    rng = np.random.default_rng(0)
    weight_map = {}
    rows = SHARD_MB * 1024 * 1024 // (4 * 256)
    for i in range(SHARDS):
        name = f"model-{i + 1:05d}-of-{SHARDS:05d}.safetensors"
        tensors = {f"model.layers.{i}.mlp.weight": rng.standard_normal((rows, 256), np.float32)}
        save_file(tensors, str(model / name), metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(tensors, name))
    index = {"metadata": {"total_size": SHARDS * SHARD_MB << 20}, "weight_map": weight_map}
    _json(model / "model.safetensors.index.json", index)
    _json(model / "config.json", {"architectures": ["LlamaForCausalLM"], "model_type": "llama"})
    _json(model / "generation_config.json", {"do_sample": True, "temperature": 0.6})
    _json(model / "tokenizer_config.json", {"chat_template": CHAT_TEMPLATE})
    _json(model / "special_tokens_map.json", {"bos_token": "<s>", "eos_token": "</s>"})
    vocab = {f"tok{i}": i for i in range(32000)}
    _json(model / "vocab.json", vocab)
    _json(model / "tokenizer.json", {"version": "1.0", "model": {"type": "BPE", "vocab": vocab}})
    (model / "merges.txt").write_text(
        "#version: 0.2\n" + "".join(f"t{i} o{i}\n" for i in range(20000)), encoding="utf-8"
    )
    (model / "README.md").write_text(
        "---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n\n# bench-llama\n",
        encoding="utf-8",
    )
    (model / ".gitattributes").write_text("*.safetensors filter=lfs\n", encoding="utf-8")
    writer = gguf.GGUFWriter(str(model / "bench-llama-q8.gguf"), "llama")
    writer.add_name("bench-llama")
    writer.add_chat_template(CHAT_TEMPLATE)
    writer.add_tensor("tok_embd.weight", rng.standard_normal((256, 64), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    shapes = {"lm_head.weight": (256, 64)}
    with zipfile.ZipFile(model / "training_args.bin", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", torch_state_dict_pickle(shapes))
        zf.writestr("archive/data/0", np.zeros((256, 64), np.float32).tobytes())
        zf.writestr("archive/version", "3\n")
    count = sum(1 for p in model.iterdir() if p.is_file())
    assert count == 20, count
    return model


def _json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def time_library(model: Path, repeat: int, *, hash_files: bool) -> list[float]:
    """Seconds per vet (walk, checks, policy) in-process."""
    options = VetOptions(use=PRESETS["internal"], use_label="internal", hash_files=hash_files)
    policy = default_policy()
    vet_paths([model], options)  # warm imports and caches once
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        run = vet_paths([model], options)
        decision = evaluate(policy, run.passports[0])
        out.append(time.perf_counter() - start)
    assert decision.outcome.value == "approve", decision.to_dict()
    return out


_COLD = """
import sys, time
from modelsteward.licenses import PRESETS
from modelsteward.policy import default_policy, evaluate
from modelsteward.vet import VetOptions, vet_paths
start = time.perf_counter()
run = vet_paths([sys.argv[1]], VetOptions(use=PRESETS["internal"], hash_files=False))
evaluate(default_policy(), run.passports[0])
print(time.perf_counter() - start)
"""


def time_cold(model: Path, repeat: int) -> list[float]:
    """Seconds of the first vet in a fresh process (lazy imports, knowledge base loading)."""
    out = []
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, "-c", _COLD, str(model)], capture_output=True, check=True, text=True
        )
        out.append(float(proc.stdout.strip().splitlines()[-1]))
    return out


def time_command(argv: list[str], repeat: int) -> list[float]:
    """Wall seconds of a subprocess, start-up included."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, check=False)
        out.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{argv[0]} failed: {proc.stderr.decode()[-500:]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--peers", type=Path, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-vet-"))
    try:
        model = build_model(tmp)
        size = sum(p.stat().st_size for p in model.iterdir()) / 2**20
        rows = [
            ("vet_paths + policy, no hashing", time_library(model, args.repeat, hash_files=False)),
            (
                "vet_paths + policy, sha256 of every file",
                time_library(model, args.repeat, hash_files=True),
            ),
        ]
        rows.append(("first vet in a fresh process, no hashing", time_cold(model, 3)))
        cli = [sys.executable, "-m", "modelsteward", "--no-progress", "-f", "json", "vet"]
        rows.append(
            (
                "CLI `modelsteward vet --no-hash --preset internal` (incl. start-up)",
                time_command([*cli, str(model), "--no-hash", "--preset", "internal"], 3),
            )
        )
        rows.append(
            (
                "CLI start-up alone (`modelsteward --version`)",
                time_command([sys.executable, "-m", "modelsteward", "--version"], 3),
            )
        )
        if args.peers is not None:
            rows += _peers(args.peers, model)
        print(f"model: 20 files, {size:.1f} MiB; repeat {args.repeat}; python {sys.version[:6]}")
        print("| what | median s | min s |")
        print("|---|---|---|")
        for label, times in rows:
            print(f"| {label} | {statistics.median(times):.3f} | {min(times):.3f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _peers(venv: Path, model: Path) -> list[tuple[str, list[float]]]:
    out = []
    modelscan = venv / "bin" / "modelscan"
    if modelscan.exists():
        out.append(
            (
                "peer: modelscan -p DIR (scan only)",
                time_command([str(modelscan), "-p", str(model)], 3),
            )
        )
    picklescan = venv / "bin" / "picklescan"
    if picklescan.exists():
        out.append(
            (
                "peer: picklescan -p DIR (pickles only)",
                time_command([str(picklescan), "-p", str(model)], 3),
            )
        )
    return out


if __name__ == "__main__":
    main()
