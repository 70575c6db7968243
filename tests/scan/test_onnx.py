"""ONNX: real models pass; external data that escapes and custom domains fire exact rules."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from modelsteward.findings import Severity
from modelsteward.inventory import ArtifactKind
from modelsteward.scan.onnx import RULES, OnnxScanner
from tests.scan.format_factories import rule_ids, scan, scan_as

SCANNER = OnnxScanner()


def _model(domain: str = "", op: str = "Add", opset_domain: str | None = None) -> onnx.ModelProto:
    weight = numpy_helper.from_array(np.ones((2, 2), np.float32), name="W")
    node = helper.make_node(op, ["X", "W"], ["Y"], domain=domain)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 2])],
        initializer=[weight],
    )
    opsets = [helper.make_opsetid("", 17)]
    if opset_domain is not None:
        opsets.append(helper.make_opsetid(opset_domain, 1))
    return helper.make_model(graph, opset_imports=opsets)


def test_real_model_has_no_findings(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    onnx.save(_model(), str(path))
    assert scan(SCANNER, path) == []


def test_real_external_data_model_has_no_findings(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    model = _model()
    onnx.save_model(
        model, str(path), save_as_external_data=True, location="weights.bin", size_threshold=0
    )
    assert (tmp_path / "weights.bin").is_file()
    assert scan(SCANNER, path) == []


def _with_location(tmp_path: Path, location: str, **extra: str) -> Path:
    model = _model()
    tensor = model.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in {"location": location, "offset": "0", "length": "16", **extra}.items():
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    return path


@pytest.mark.parametrize(
    "location",
    [
        "../../etc/passwd",  # CVE-2022-25882
        "subdir/../../etc/passwd",  # CVE-2024-27318 (GHSA-whh8-fjgc-qp73): nested traversal
        "/etc/passwd",  # absolute; also the write direction of CVE-2025-51480
        "..\\..\\windows\\win.ini",
        "C:\\Windows\\win.ini",
        "\\\\server\\share\\x",
        "",
    ],
)
def test_escaping_external_data_is_critical(tmp_path: Path, location: str) -> None:
    found = scan(SCANNER, _with_location(tmp_path, location))
    escapes = [f for f in found if f.rule_id == "scan.onnx.external-data-escape"]
    assert escapes and escapes[0].severity is Severity.CRITICAL
    assert escapes[0].evidence == location


def test_symlink_that_leaves_the_directory_is_critical(tmp_path: Path) -> None:
    # CVE-2026-27489: a location inside the directory that is a symlink to outside.
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"x" * 32)
    os.symlink(secret, model_dir / "weights.bin")
    path = _with_location(model_dir, "weights.bin")
    assert "scan.onnx.external-data-escape" in rule_ids(scan_as(SCANNER, path, ArtifactKind.ONNX))


def test_unexpected_external_data_keys_fire(tmp_path: Path) -> None:
    # CVE-2026-34445: keys fed to setattr on ExternalDataInfo.
    (tmp_path / "w.bin").write_bytes(b"\0" * 16)
    path = _with_location(tmp_path, "w.bin", __class__="x")
    assert rule_ids(scan(SCANNER, path)) == {"scan.onnx.external-data-key"}


def test_missing_external_file_is_low(tmp_path: Path) -> None:
    found = scan(SCANNER, _with_location(tmp_path, "absent.bin"))
    assert rule_ids(found) == {"scan.onnx.external-data-missing"}
    assert found[0].severity is Severity.LOW


def test_external_range_past_the_file_is_malformed(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(b"\0" * 8)
    assert rule_ids(scan(SCANNER, _with_location(tmp_path, "w.bin"))) == {"scan.onnx.malformed"}


def test_custom_op_domain_is_medium(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    onnx.save(_model("ai.onnx.contrib", "PyOp", "ai.onnx.contrib"), str(path))
    found = scan(SCANNER, path)
    assert rule_ids(found) == {"scan.onnx.custom-op-domain"}
    assert found[0].evidence == "ai.onnx.contrib::PyOp"


def test_onnxruntime_contrib_domain_is_known(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    onnx.save(_model("com.microsoft", "FusedMatMul", "com.microsoft"), str(path))
    assert scan(SCANNER, path) == []


def test_custom_op_in_subgraph_is_found(tmp_path: Path) -> None:
    inner = helper.make_graph(
        [helper.make_node("Evil", ["X"], ["Z"], domain="evil.ops")],
        "inner",
        [],
        [helper.make_tensor_value_info("Z", TensorProto.FLOAT, [2, 2])],
    )
    cond = helper.make_node("If", ["C"], ["Z"], then_branch=inner, else_branch=inner)
    graph = helper.make_graph(
        [cond],
        "outer",
        [helper.make_tensor_value_info("C", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("Z", TensorProto.FLOAT, [2, 2])],
    )
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph), str(path))
    assert rule_ids(scan(SCANNER, path)) == {"scan.onnx.custom-op-domain"}


def test_corrupt_protobuf_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    data = _model().SerializeToString()
    path.write_bytes(data[: len(data) // 2])
    assert rule_ids(scan_as(SCANNER, path, ArtifactKind.ONNX)) == {"scan.onnx.malformed"}


def test_rules_catalog() -> None:
    assert "scan.onnx.external-data-escape" in {r.id for r in RULES}


def test_symlink_loop_is_an_escape_not_a_crash(tmp_path: Path) -> None:
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    os.symlink(model_dir / "b.bin", model_dir / "a.bin")
    os.symlink(model_dir / "a.bin", model_dir / "b.bin")
    path = _with_location(model_dir, "a.bin")
    found = scan_as(SCANNER, path, ArtifactKind.ONNX)
    assert "scan.onnx.external-data-escape" in rule_ids(found)
