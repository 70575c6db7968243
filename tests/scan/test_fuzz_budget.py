"""A time-boxed fuzz run over mutations of real model files (about 40 s, in its own
process): no exception escapes, no reader fails, no file takes long, memory stays bounded.
``MODELSTEWARD_FUZZ_SECONDS`` and ``MODELSTEWARD_FUZZ_SEED`` change the budget and the
mutation sequence (the default seed keeps CI reproducible)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import lightgbm
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from modelsteward.scan import ScanOptions, scan_path
from modelsteward.scan.budget import ReaderLimit, reader_budget
from tests.scan.format_factories import saved_model
from tests.scan.test_engine_fuzz import _seeds
from tests.scan.test_format_fuzz import _gguf, _keras_h5, _onnx, _safetensors
from tests.shared import STORIES

REPO = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("MODELSTEWARD_FUZZ_SECONDS", "40"))
SEED = int(os.environ.get("MODELSTEWARD_FUZZ_SEED", "16"))


def _write_seeds(folder: Path) -> None:
    """Files as the libraries write them: torch (zip and legacy), joblib (plain and
    compressed), numpy, pickle, safetensors, GGUF, ONNX, HDF5, a TF SavedModel, sklearn and
    LightGBM models, Hugging Face configs with a chat template."""
    _seeds(folder)
    (folder / "m.gguf").write_bytes(_gguf(folder / "m.gguf"))
    if STORIES.is_file():
        (folder / "stories260K.gguf").write_bytes(STORIES.read_bytes())
    (folder / "m.safetensors").write_bytes(_safetensors(folder / "m.safetensors"))
    (folder / "m.onnx").write_bytes(_onnx(folder / "m.onnx"))
    (folder / "m.h5").write_bytes(_keras_h5(folder / "m.h5"))
    (folder / "saved_model.pb").write_bytes(saved_model([("x", "Placeholder")]))
    import joblib

    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = (x[:, 0] > 20).astype(int)
    joblib.dump(LogisticRegression().fit(x, y), folder / "sk.joblib")
    booster = lightgbm.train({"verbose": -1, "min_data_in_leaf": 2}, lightgbm.Dataset(x, y), 2)
    joblib.dump(booster, folder / "lgbm.pkl")
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "chat_template": "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n"
                         "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}",
        "eos_token": "</s>"}))  # fmt: skip
    (folder / "config.json").write_text(json.dumps({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
        "num_hidden_layers": 2, "torch_dtype": "float32"}))  # fmt: skip


@pytest.mark.slow
def test_mutated_real_files_within_a_time_budget(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    _write_seeds(seeds)
    done = subprocess.run(
        [sys.executable, "-m", "tests.scan.fuzz_budget", str(seeds), "--seconds", str(SECONDS),
         "--seed", str(SEED)],
        cwd=REPO, capture_output=True, text=True, timeout=SECONDS + 120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["failures"] == []
    assert result["seeds"] >= 15
    assert result["files"] >= 30, result
    assert result["slowest_s"] < 12.0, result  # the file timeout (10 s) plus slack: no hang
    # Growth over the start (imports included there): what the readers themselves held.
    assert result["growth_mib"] < 300, (result["start_rss_mib"], result["rss_jumps"])


_BOUNDS = """
import pickle, sys
from pathlib import Path
from modelsteward.scan import ScanOptions, scan_path
path = Path(sys.argv[1])
path.write_bytes(pickle.dumps(list(range(1_000_000)), protocol=2))
for options in (ScanOptions(timeout_s=0.02), ScanOptions(max_reader_bytes=1 << 20), ScanOptions()):
    report = scan_path(path, options)
    print(sorted(report.rule_ids()), [f.message for f in report.findings])
"""


def test_readers_past_their_bounds_get_a_clean_finding(tmp_path: Path) -> None:
    # In its own process: the memory bound applies only while no other thread runs.
    done = subprocess.run(
        [sys.executable, "-c", _BOUNDS, str(tmp_path / "ops.pkl")],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    timed, memory, free = done.stdout.splitlines()
    assert timed.startswith("['scan.limit.exceeded']")  # the pickle VM's own deadline
    assert "pickle reader was stopped at its bound of 1 MiB of memory" in memory
    assert free.startswith("[]")


def test_a_file_that_sends_hdf5_into_an_endless_loop_is_stopped(tmp_path: Path) -> None:
    # Found by this fuzzer: libhdf5 never returns from reading this mutated file's
    # attributes; only a child process that can be killed bounds it.
    path = tmp_path / "m.h5"
    path.write_bytes((Path(__file__).parent / "data" / "hdf5-endless-loop.h5").read_bytes())
    started = time.monotonic()
    report = scan_path(path, ScanOptions(timeout_s=1.0))
    assert time.monotonic() - started < 10
    assert report.rule_ids() == {"scan.limit.exceeded"}
    assert "keras reader was stopped at its bound of 1 s of time" in report.findings[0].message
    assert time.monotonic() - started > 1.9  # the hard bound: timeout_s plus one second


def test_a_reader_past_its_time_bound_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(ReaderLimit) as info, reader_budget(0.05, 1 << 30):
        while True:
            pass
    assert info.value.bound == "time" and time.monotonic() - started < 1.0
