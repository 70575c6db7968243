"""Mutation fuzzing of the format parsers: real files with flipped bytes and cuts.

Whatever the bytes, a scanner returns findings (possibly ``malformed``), never raises, and
finishes quickly.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import gguf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file

from modelsteward.demo.models import CHAT_TEMPLATE
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan.chat_template import analyse_template
from modelsteward.scan.gguf import GgufScanner
from modelsteward.scan.hf_config import HfConfigScanner
from modelsteward.scan.interface import Scanner, ScanOptions
from modelsteward.scan.keras import KerasScanner
from modelsteward.scan.onnx import OnnxScanner
from modelsteward.scan.safetensors import SafetensorsScanner
from modelsteward.scan.tf import TfSavedModelScanner
from tests.scan.format_factories import saved_model

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MUTATIONS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8)


def _gguf(path: Path) -> bytes:
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_chat_template(CHAT_TEMPLATE)
    writer.add_token_list(["a", "b"])
    writer.add_tensor("w", np.ones((2, 32), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


def _safetensors(path: Path) -> bytes:
    save_file({"a": np.ones((2, 3), np.float32), "b": np.zeros(4, np.int8)}, str(path))
    return path.read_bytes()


def _onnx(path: Path) -> bytes:
    weight = numpy_helper.from_array(np.ones((2, 2), np.float32), name="W")
    graph = helper.make_graph(
        [helper.make_node("Add", ["X", "W"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 2])],
        initializer=[weight],
    )
    return helper.make_model(graph).SerializeToString()


def _keras_h5(path: Path) -> bytes:
    import h5py

    config = {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense"}]}}
    with h5py.File(path, "w") as h5:
        h5.attrs["model_config"] = json.dumps(config)
        h5.create_dataset("w", data=np.ones(4, np.float32))
    return path.read_bytes()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    work = tmp_path_factory.mktemp("seeds")
    return {
        "gguf": _gguf(work / "m.gguf"),
        "safetensors": _safetensors(work / "m.safetensors"),
        "onnx": _onnx(work / "m.onnx"),
        "tf": saved_model([("x", "Placeholder"), ("r", "ReadFile")], {"f": [("n", "MatMul")]}),
        "keras": _keras_h5(work / "m.h5"),
        "hf": json.dumps({"auto_map": {"AutoModel": "modeling_x.M"}}).encode(),
    }


CASES: list[tuple[str, Scanner, ArtifactKind, str]] = [
    ("gguf", GgufScanner(), ArtifactKind.GGUF, "m.gguf"),
    ("safetensors", SafetensorsScanner(), ArtifactKind.SAFETENSORS, "m.safetensors"),
    ("onnx", OnnxScanner(), ArtifactKind.ONNX, "m.onnx"),
    ("tf", TfSavedModelScanner(), ArtifactKind.TF_SAVED_MODEL, "saved_model.pb"),
    ("hf", HfConfigScanner(), ArtifactKind.JSON, "config.json"),
    ("keras", KerasScanner(), ArtifactKind.HDF5, "m.h5"),
]


def _mutate(data: bytes, mutations: list[tuple[int, int]], cut: int | None) -> bytes:
    buf = bytearray(data)
    for pos, value in mutations:
        if buf:
            buf[pos % len(buf)] = value
    return bytes(buf[:cut] if cut is not None else buf)


@pytest.mark.parametrize(("seed", "scanner", "kind", "name"), CASES, ids=[c[0] for c in CASES])
@FUZZ
@given(mutations=MUTATIONS, cut=st.none() | st.integers(0, 4096))
def test_mutated_file_never_raises(
    tmp_path: Path,
    seeds: dict[str, bytes],
    seed: str,
    scanner: Scanner,
    kind: ArtifactKind,
    name: str,
    mutations: list[tuple[int, int]],
    cut: int | None,
) -> None:
    base = seeds[seed]
    path = tmp_path / name
    path.write_bytes(_mutate(base, mutations, cut))
    art = Artifact(path=path, display=name, relpath=name, size=path.stat().st_size, kind=kind)
    start = time.perf_counter()
    findings = list(scanner.scan(art, ScanOptions()))
    assert time.perf_counter() - start < 5.0
    assert all(f.rule_id.startswith(f"scan.{scanner.name}.") for f in findings)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("{}%#()[]._|~'\"+*abcx0123 \n")), max_size=120))
def test_random_template_text_never_raises(source: str) -> None:
    issues = analyse_template(source)
    assert isinstance(issues, list)
