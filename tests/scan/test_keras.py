"""Keras v3 archives and legacy HDF5: real layouts pass; safe_mode bypasses fire."""

from __future__ import annotations

import base64
import io
import json
import marshal
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from modelsteward.findings import Severity
from modelsteward.scan.keras import RULES, KerasScanner
from tests.scan.format_factories import rule_ids, scan

SCANNER = KerasScanner()


def _layer(class_name: str, config: dict[str, Any], module: str = "keras.layers") -> dict[str, Any]:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def _functional(*layers: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Functional",
        "config": {"name": "model", "layers": list(layers)},
        "registered_name": "Functional",
    }


DENSE = _layer(
    "Dense",
    {
        "name": "dense",
        "units": 4,
        "activation": {
            "module": "keras.activations",
            "class_name": "function",
            "config": "relu",
            "registered_name": "function",
        },
        "kernel_initializer": _layer("GlorotUniform", {"seed": None}, "keras.initializers"),
    },
)


def _weights() -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h5:
        h5.create_dataset("layers/dense/vars/0", data=np.ones((4, 4), np.float32))
    return buf.getvalue()


def _keras_file(tmp_path: Path, config: dict[str, Any], name: str = "model.keras") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.8.0", "date_saved": "x"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", _weights())
    return path


def test_real_v3_layout_has_no_findings(tmp_path: Path) -> None:
    assert scan(SCANNER, _keras_file(tmp_path, _functional(DENSE))) == []


def _lambda_bytecode() -> dict[str, Any]:
    # CVE-2024-3660: marshalled bytecode in a Lambda layer (never executed here).
    code = base64.b64encode(marshal.dumps(compile("1", "<x>", "eval"))).decode()
    function = {
        "class_name": "__lambda__",
        "config": {"code": code, "defaults": None, "closure": None},
    }
    return _layer("Lambda", {"name": "evil", "function": function})


@pytest.mark.parametrize(
    ("config", "rule", "severity"),
    [
        (_functional(DENSE, _lambda_bytecode()), "lambda-layer", Severity.CRITICAL),
        # CVE-2025-1550 (GHSA-48g7-3x6r-xfhp): an arbitrary module imported by the loader.
        (
            _functional(_layer("system", {"name": "x"}, module="os")),
            "foreign-module",
            Severity.CRITICAL,
        ),
        (
            _functional(_layer("Thing", {"name": "x"}, module="mypkg.layers")),
            "foreign-module",
            Severity.HIGH,
        ),
        # CVE-2025-9906 (GHSA-36fq-jgmw-4r9c): config switches safe mode off before a Lambda.
        (
            _functional(
                _layer(
                    "Lambda",
                    {
                        "name": "u",
                        "function": {
                            "module": "keras.config",
                            "class_name": "function",
                            "config": "enable_unsafe_deserialization",
                            "registered_name": "function",
                        },
                    },
                )
            ),
            "unsafe-function",
            Severity.CRITICAL,
        ),
        (
            _functional(
                _layer(
                    "Lambda",
                    {
                        "name": "u",
                        "function": {
                            "module": "keras.models",
                            "class_name": "function",
                            "config": "load_model",
                            "registered_name": "function",
                        },
                        "arguments": {"safe_mode": False},
                    },
                )
            ),
            "unsafe-function",
            Severity.CRITICAL,
        ),
        # CVE-2025-8747: keras.utils.get_file downloads attacker-chosen files.
        (
            _functional(
                {
                    "module": "keras.utils",
                    "class_name": "function",
                    "config": "get_file",
                    "registered_name": "function",
                }
            ),
            "unsafe-function",
            Severity.CRITICAL,
        ),
        # CVE-2026-1462: TFSMLayer loads a SavedModel from an outside path.
        (
            _functional(_layer("TFSMLayer", {"name": "t", "filepath": "/tmp/x"})),
            "external-savedmodel",
            Severity.HIGH,
        ),
        (
            _functional(
                {
                    "module": None,
                    "class_name": "MyLayer",
                    "config": {"name": "m"},
                    "registered_name": "Custom>MyLayer",
                }
            ),
            "custom-object",
            Severity.MEDIUM,
        ),
    ],
)
def test_v3_bypass_fires_rule(
    tmp_path: Path, config: dict[str, Any], rule: str, severity: Severity
) -> None:
    found = [
        f for f in scan(SCANNER, _keras_file(tmp_path, config)) if f.rule_id == f"scan.keras.{rule}"
    ]
    assert found, rule
    assert found[0].severity is severity
    assert found[0].location.member and found[0].location.member.startswith("config.json")


@pytest.mark.parametrize(
    "members",
    [{"metadata.json": b"{}"}, {"config.json": b"{not json"}],
)
def test_broken_archive_is_malformed(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = tmp_path / "bad.keras"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    assert rule_ids(scan(SCANNER, path)) == {"scan.keras.malformed"}


def _legacy_h5(tmp_path: Path, layers: list[dict[str, Any]]) -> Path:
    path = tmp_path / "model.h5"
    config = {"class_name": "Sequential", "config": {"name": "seq", "layers": layers}}
    with h5py.File(path, "w") as h5:
        h5.attrs["keras_version"] = "2.12.0"
        h5.attrs["backend"] = "tensorflow"
        h5.attrs["model_config"] = json.dumps(config)
        h5.create_dataset("model_weights/dense/kernel", data=np.ones((2, 2), np.float32))
    return path


def test_legacy_h5_without_lambda_passes(tmp_path: Path) -> None:
    dense = {"class_name": "Dense", "config": {"name": "dense", "units": 2}}
    assert scan(SCANNER, _legacy_h5(tmp_path, [dense])) == []


def test_legacy_h5_lambda_is_critical(tmp_path: Path) -> None:
    # CVE-2025-9905: HDF5 Lambda layers load even with safe_mode=True.
    code = base64.b64encode(marshal.dumps(compile("1", "<x>", "eval"))).decode()
    layer = {
        "class_name": "Lambda",
        "config": {"name": "l", "function": [code, None, None], "function_type": "lambda"},
    }
    found = scan(SCANNER, _legacy_h5(tmp_path, [layer]))
    assert rule_ids(found) == {"scan.keras.lambda-layer"}
    assert found[0].evidence == "marshalled bytecode (legacy format)"
    assert "CVE-2025-9905" in found[0].refs


def test_plain_hdf5_without_model_config_is_quiet(tmp_path: Path) -> None:
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("x", data=np.arange(4))
    assert scan(SCANNER, path) == []


def test_hdf5_with_broken_config_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as h5:
        h5.attrs["model_config"] = "{broken"
    assert rule_ids(scan(SCANNER, path)) == {"scan.keras.malformed"}


def test_deeply_nested_config_does_not_crash(tmp_path: Path) -> None:
    config: dict[str, Any] = {"class_name": "Lambda", "config": {}}
    for _ in range(400):
        config = {"class_name": "Wrapper", "config": {"layer": config}}
    raw = "[" * 50 + "]" * 50
    path = _keras_file(tmp_path, {"a": json.loads(raw), "b": config})
    assert isinstance(scan(SCANNER, path), list)


def test_rules_catalog() -> None:
    assert "scan.keras.lambda-layer" in {r.id for r in RULES}


def _metadata_pb(configs: list[dict[str, Any]]) -> bytes:
    from tests.scan.format_factories import pb_len, pb_varint

    nodes = b""
    for i, config in enumerate(configs):
        node = pb_varint(2, i) + pb_len(3, b"root") + pb_len(4, b"_tf_keras_layer")
        nodes += pb_len(1, node + pb_len(5, json.dumps(config).encode()))
    return nodes


def test_keras_metadata_in_saved_model_is_walked(tmp_path: Path) -> None:
    path = tmp_path / "keras_metadata.pb"
    path.write_bytes(_metadata_pb([{"class_name": "Dense", "config": {}}, _lambda_bytecode()]))
    assert rule_ids(scan(SCANNER, path)) == {"scan.keras.lambda-layer"}


def test_benign_keras_metadata_passes(tmp_path: Path) -> None:
    path = tmp_path / "keras_metadata.pb"
    path.write_bytes(_metadata_pb([{"class_name": "Dense", "config": {"units": 2}}]))
    assert scan(SCANNER, path) == []


def test_broken_keras_metadata_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "keras_metadata.pb"
    path.write_bytes(b"\x0a\xff\xff\x03")
    assert rule_ids(scan(SCANNER, path)) == {"scan.keras.malformed"}
