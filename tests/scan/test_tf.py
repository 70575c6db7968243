"""SavedModel op extraction without TensorFlow: file and Python ops fire exact rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.findings import Severity
from modelsteward.inventory import ArtifactKind
from modelsteward.scan._protobuf import ProtoError
from modelsteward.scan.tf import RULES, TfSavedModelScanner, saved_model_ops
from tests.scan.format_factories import pb_len, rule_ids, saved_model, scan, scan_as

SCANNER = TfSavedModelScanner()
BENIGN_NODES = [("x", "Placeholder"), ("w", "VarHandleOp"), ("y", "MatMul"), ("out", "Identity")]
# A TF1 saver subgraph and TF2 traced save/restore functions: expected checkpoint I/O.
SAVER_NODES = [("save/Const", "Const"), ("save/SaveV2", "SaveV2"), ("save/RestoreV2", "RestoreV2")]
TRACED = {
    "__inference__traced_save_45": [
        ("SaveV2", "SaveV2"),
        ("ShardedFilename", "ShardedFilename"),
        ("MergeV2Checkpoints", "MergeV2Checkpoints"),
    ],
    "__inference__traced_restore_60": [("RestoreV2", "RestoreV2")],
}


def _write(tmp_path: Path, data: bytes) -> Path:
    directory = tmp_path / "sm"
    directory.mkdir(exist_ok=True)
    path = directory / "saved_model.pb"
    path.write_bytes(data)
    return path


def test_benign_saved_model_with_checkpoint_ops_passes(tmp_path: Path) -> None:
    path = _write(tmp_path, saved_model(BENIGN_NODES + SAVER_NODES, TRACED))
    assert scan(SCANNER, path) == []


def test_ops_are_extracted_from_graph_and_functions() -> None:
    ops = saved_model_ops(saved_model(BENIGN_NODES, {"f": [("n", "ReadFile")]}))
    assert ops == ["Placeholder", "VarHandleOp", "MatMul", "Identity", "ReadFile"]


@pytest.mark.parametrize(
    ("nodes", "functions", "rule", "severity"),
    [
        ([("r", "ReadFile")], None, "file-io-op", Severity.HIGH),
        ([("m", "MatchingFiles")], None, "file-io-op", Severity.HIGH),
        ([], {"__inference_call_12": [("w", "WriteFile")]}, "file-io-op", Severity.CRITICAL),
        ([("p", "PyFunc")], None, "python-op", Severity.CRITICAL),
        ([], {"f": [("p", "EagerPyFunc")]}, "python-op", Severity.CRITICAL),
        ([("p", "PyFuncStateless")], None, "python-op", Severity.CRITICAL),
        # Checkpoint ops used as generic file I/O outside the saver.
        ([("exfil/SaveV2", "SaveV2")], None, "checkpoint-io-op", Severity.HIGH),
        ([], {"__inference_serve_9": [("r", "RestoreV2")]}, "checkpoint-io-op", Severity.HIGH),
        ([("s", "ShardedFilename")], None, "checkpoint-io-op", Severity.HIGH),
    ],
)
def test_dangerous_op_fires_rule(
    tmp_path: Path,
    nodes: list[tuple[str, str]],
    functions: dict[str, list[tuple[str, str]]] | None,
    rule: str,
    severity: Severity,
) -> None:
    path = _write(tmp_path, saved_model(BENIGN_NODES + nodes, functions))
    found = scan_as(SCANNER, path, ArtifactKind.TF_SAVED_MODEL)
    assert rule_ids(found) == {f"scan.tf.{rule}"}
    assert found[0].severity is severity


def test_repeated_op_is_reported_once_with_count(tmp_path: Path) -> None:
    path = _write(tmp_path, saved_model([("a", "ReadFile"), ("b", "ReadFile")]))
    found = scan(SCANNER, path)
    assert len(found) == 1 and found[0].message.startswith("2 node(s)")


@pytest.mark.parametrize(
    "data",
    [
        saved_model(BENIGN_NODES)[:-3],  # truncated inside a message
        b"\x08\x01\x12\xff\xff\xff\xff\x0f",  # length past the end
        b"\x08\x01\x13\x00",  # group wire type
        b"\x00\x01",  # field number 0
        b"\x08" + b"\xff" * 11,  # varint longer than 10 bytes
    ],
)
def test_broken_protobuf_is_malformed(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, data)
    assert rule_ids(scan_as(SCANNER, path, ArtifactKind.TF_SAVED_MODEL)) == {"scan.tf.malformed"}


def test_walker_rejects_bad_lengths_directly() -> None:
    with pytest.raises(ProtoError):
        saved_model_ops(b"\x12" + b"\x80" * 3)


def test_saved_model_is_sniffed_by_inventory(tmp_path: Path) -> None:
    path = _write(tmp_path, saved_model([("p", "PyFunc")]) + pb_len(2, b""))
    assert rule_ids(scan(SCANNER, path)) == {"scan.tf.python-op"}


def test_rules_catalog() -> None:
    assert {"scan.tf.file-io-op", "scan.tf.python-op"} <= {r.id for r in RULES}
