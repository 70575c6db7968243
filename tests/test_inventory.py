from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import pickle
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from modelsteward.errors import UsageError
from modelsteward.inventory import ArtifactKind, sha256_file, sniff_kind, walk_model


def _write_gguf(path: Path) -> None:
    import gguf

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("t")
    writer.add_tensor("w", np.zeros((2, 2), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _write_onnx(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    onnx.save(helper.make_model(graph, producer_name="modelsteward-tests"), str(path))


def _write_hdf5(path: Path) -> None:
    import h5py

    with h5py.File(path, "w") as fh:
        fh.create_dataset("w", data=np.zeros(3))


def _write_safetensors(path: Path) -> None:
    from safetensors.numpy import save_file

    save_file({"w": np.zeros((2, 2), dtype=np.float32)}, str(path))


def _tar_bytes() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        data = b"hello"
        info = tarfile.TarInfo("a.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"a": 1}, protocol=2))
    return buf.getvalue()


def _npy_bytes() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.arange(4))
    return buf.getvalue()


# (file name, bytes, expected kind). File names deliberately disagree with content where it
# matters: the kind must come from the bytes.
CASES: list[tuple[str, bytes, ArtifactKind]] = [
    ("weights.bin", _zip_bytes(), ArtifactKind.ZIP),
    ("prefixed.pt", b"\x00" * 64 + _zip_bytes(), ArtifactKind.ZIP),
    ("bundle.safetensors", _tar_bytes(), ArtifactKind.TAR),
    *[
        (f"p{proto}.txt", pickle.dumps([1, "a", {"k": 2.5}], protocol=proto), ArtifactKind.PICKLE)
        for proto in range(6)
    ],
    ("arr.pkl", _npy_bytes(), ArtifactKind.NUMPY),
    ("model.joblib", gzip.compress(b"x" * 100), ArtifactKind.GZIP),
    ("model.joblib.bz2", bz2.compress(b"x" * 100), ArtifactKind.BZ2),
    ("model.joblib.xz", lzma.compress(b"x" * 100), ArtifactKind.XZ),
    ("config.bin", json.dumps({"model_type": "llama"}).encode(), ArtifactKind.JSON),
    ("modeling.py", b"import torch\n\nclass M:\n    pass\n", ArtifactKind.PYTHON),
    ("run", b"#!/usr/bin/env python3\nprint(1)\n", ArtifactKind.PYTHON),
    ("README.md", "---\nlicense: mit\n---\n# Modèle\n".encode(), ArtifactKind.TEXT),
    ("blob.dat", bytes(range(256)) * 4, ArtifactKind.BINARY),
    ("empty.safetensors", b"", ArtifactKind.EMPTY),
    ("saved_model.pb", b"\x08\x01\x12\x04\x0a\x02\x08\x01", ArtifactKind.TF_SAVED_MODEL),
]


@pytest.mark.parametrize(("name", "data", "kind"), CASES, ids=[c[0] for c in CASES])
def test_kind_is_decided_by_content(
    tmp_path: Path, name: str, data: bytes, kind: ArtifactKind
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert sniff_kind(path) is kind


@pytest.mark.parametrize(
    ("writer", "kind"),
    [
        (_write_gguf, ArtifactKind.GGUF),
        (_write_onnx, ArtifactKind.ONNX),
        (_write_hdf5, ArtifactKind.HDF5),
        (_write_safetensors, ArtifactKind.SAFETENSORS),
    ],
)
def test_real_library_files_are_recognised(
    tmp_path: Path, writer: object, kind: ArtifactKind
) -> None:
    path = tmp_path / "model.bin"
    writer(path)  # type: ignore[operator]
    assert sniff_kind(path) is kind


def test_torch_save_checkpoint_is_a_zip(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "pytorch_model.bin"
    torch.save({"w": torch.zeros(2)}, path)
    assert sniff_kind(path) is ArtifactKind.ZIP
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.zeros(2)}, legacy, _use_new_zipfile_serialization=False)
    assert sniff_kind(legacy) is ArtifactKind.PICKLE


def test_hash_streams_and_matches_hashlib(tmp_path: Path) -> None:
    data = os.urandom(9 * 1024 * 1024 + 17)  # spans several blocks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_walk_describes_every_file_once(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "sub" / "w.npy").write_bytes(_npy_bytes())
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    inv = walk_model(tmp_path)
    assert [a.relpath for a in inv.artifacts] == ["config.json", "sub/w.npy"]
    assert inv.artifacts[1].display == f"{tmp_path}/sub/w.npy"
    assert inv.artifacts[0].sha256 == hashlib.sha256(b"{}").hexdigest()
    assert [s.reason for s in inv.report.skipped] == ["version-control or cache directory"]
    assert walk_model(tmp_path, hash_files=False).artifacts[0].sha256 is None


def test_symlink_outside_the_model_is_a_finding_and_not_followed(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (model / "tokenizer.json").symlink_to(secret)
    (model / "etc").symlink_to("/etc")
    (model / "inside.json").write_text("{}")
    (model / "alias.json").symlink_to(model / "inside.json")
    inv = walk_model(model)
    rules = sorted((f.rule_id, f.location.path.rsplit("/", 1)[1]) for f in inv.report.findings)
    assert rules == [
        ("inventory.symlink.escape", "etc"),
        ("inventory.symlink.escape", "tokenizer.json"),
    ]
    assert sorted(a.relpath for a in inv.artifacts) == ["alias.json", "inside.json"]


def test_fifo_is_reported_and_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.bin")
    inv = walk_model(tmp_path)  # would block forever if the FIFO were opened
    assert [f.rule_id for f in inv.report.findings] == ["inventory.special-file"]
    assert inv.artifacts == ()


def test_hugging_face_cache_layout(tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--acme--tiny-llm"
    rev = "0123456789abcdef0123456789abcdef01234567"
    blobs = repo / "blobs"
    snap = repo / "snapshots" / rev
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(rev)
    content = b'{"model_type": "llama"}'
    blob = blobs / hashlib.sha256(content).hexdigest()
    blob.write_bytes(content)
    (snap / "config.json").symlink_to(os.path.relpath(blob, snap))
    inv = walk_model(repo)
    assert inv.source.name == "acme/tiny-llm"
    assert inv.source.revision == rev
    assert inv.report.findings == ()
    [art] = inv.artifacts
    assert art.relpath == "config.json" and art.kind is ArtifactKind.JSON
    assert art.sha256 == blob.name
    assert walk_model(snap).source.revision == rev


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or directory") as info:
        walk_model(tmp_path / "nope")
    assert info.value.hint


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    path.write_bytes(b"x")
    path.chmod(0)
    with pytest.raises(UsageError, match="permission denied"):
        walk_model(path)


def test_dangling_symlink_given_as_path_is_a_usage_error(tmp_path: Path) -> None:
    link = tmp_path / "model.bin"
    link.symlink_to(tmp_path / "gone.bin")
    with pytest.raises(UsageError, match="cannot read") as info:
        walk_model(link)
    assert "readable" in info.value.hint


@pytest.mark.parametrize("overlap", [True, False])
@pytest.mark.parametrize(
    "size", [0, 1, 4 * 1024 * 1024, 16 * 1024 * 1024, 16 * 1024 * 1024 + 1, 21 * 1024 * 1024 + 7]
)
def test_sha256_file_matches_hashlib_in_turn_and_overlapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, overlap: bool
) -> None:
    import modelsteward.inventory as inventory
    from modelsteward.inventory import sha256_file

    # A share of -1 always overlaps after the probe blocks; a huge one never does.
    monkeypatch.setattr(inventory, "_OVERLAP_READ_SHARE", -1.0 if overlap else 1e9)
    data = os.urandom(size)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def _failing_file(fail_on: int) -> type[io.FileIO]:
    """A file whose ``fail_on``-th ``readinto`` raises EIO; ``reads`` counts the calls."""

    class Failing(io.FileIO):
        reads = 0

        def readinto(self, buf: object) -> int | None:  # type: ignore[override]
            Failing.reads += 1
            if Failing.reads == fail_on:
                raise OSError(5, "Input/output error")
            return super().readinto(buf)  # type: ignore[arg-type]

    return Failing


@pytest.mark.parametrize("in_thread", [False, True])
def test_sha256_file_read_error_reaches_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_thread: bool
) -> None:
    import modelsteward.inventory as inventory

    # In turn, the second read fails; overlapped, a read of the reader thread fails.
    fail_on = inventory._PROBE_BLOCKS + 2 if in_thread else 2
    failing = _failing_file(fail_on)
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\0" * (30 * 1024 * 1024))
    monkeypatch.setattr(inventory, "_OVERLAP_READ_SHARE", -1.0 if in_thread else 1e9)
    monkeypatch.setattr(inventory, "open", lambda p, *a, **k: failing(p, "rb"), raising=False)
    with pytest.raises(OSError, match="Input/output error"):
        inventory.sha256_file(path)
    assert failing.reads == fail_on
