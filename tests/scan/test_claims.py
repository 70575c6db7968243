"""Files named like a format that do not parse as it, files no scanner reads, unknown
binaries, empty models and archives the scanner cannot open: none passes silently."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
from pathlib import Path

import pytest

from modelsteward.findings import Severity
from modelsteward.scan import ScanOptions, scan_path
from tests.scan.factories import call_pickle, write

NOISE = bytes(range(7, 250)) * 3
"""Bytes of no format (not random: the test is reproducible)."""


def _high(path: Path, options: ScanOptions | None = None) -> set[str]:
    report = scan_path(path, options or ScanOptions())
    return {f.rule_id for f in report.at_least(Severity.HIGH)}


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("model.safetensors", struct.pack("<Q", 100) + b'{"a":1}', "scan.safetensors.malformed"),
        ("model.safetensors", b"", "scan.safetensors.malformed"),
        ("model.safetensors", NOISE, "scan.safetensors.header-too-large"),
        ("model.gguf", NOISE, "scan.gguf.malformed"),
        ("model.onnx", NOISE, "scan.onnx.malformed"),
        ("weights.npy", NOISE, "scan.numpy.malformed"),
        ("arrays.npz", NOISE, "scan.zip.malformed"),
        ("model.h5", NOISE, "scan.keras.malformed"),
        ("model.keras", NOISE, "scan.keras.malformed"),
        ("saved_model.pb", NOISE, "scan.tf.malformed"),
        ("frozen_graph.pb", NOISE, "scan.tf.malformed"),
        ("flax_model.msgpack", NOISE, "scan.msgpack.malformed"),
        ("pytorch_model.bin", NOISE, "scan.pickle.malformed"),
        ("pytorch_model-00001-of-00002.bin", NOISE, "scan.pickle.malformed"),
        ("training_args.bin", NOISE, "scan.pickle.malformed"),
        ("model.pt", NOISE, "scan.pickle.malformed"),
        ("model.pkl", b"", "scan.pickle.malformed"),
        ("model.joblib", b'{"not": "a pickle"}', "scan.pickle.malformed"),
        ("weights.zip", NOISE, "scan.zip.malformed"),
        ("weights.tar.gz", NOISE, "scan.archive.malformed"),
    ],
)
def test_a_file_that_is_not_what_its_name_claims_is_malformed(
    tmp_path: Path, name: str, data: bytes, rule: str
) -> None:
    assert rule in _high(write(tmp_path, name, data))


def test_a_header_length_of_a_terabyte_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "model.safetensors", struct.pack("<Q", 10**12) + b'{"a": 1}')
    assert _high(path) == {"scan.safetensors.header-too-large"}


def test_a_real_protobuf_named_pb_passes(tmp_path: Path) -> None:
    # field 1 (bytes "ab"), field 2 (varint 5): a well-formed message of unknown schema
    path = write(tmp_path, "fingerprint.pb", b"\x0a\x02ab\x10\x05")
    assert _high(path) == set()


def test_a_non_torch_bin_of_unknown_format_is_not_malformed(tmp_path: Path) -> None:
    # CTranslate2, OpenVINO and fastText all write model.bin files that are not pickles.
    assert _high(write(tmp_path, "model.bin", NOISE)) == set()


def test_unknown_binary_is_noted_and_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "blob.dat", NOISE)
    report = scan_path(path, ScanOptions())
    assert [(f.rule_id, f.severity) for f in report.findings] == [
        ("scan.file.unknown-format", Severity.INFO)
    ]
    assert [s.path for s in report.skipped] == [str(path)]
    assert "unknown format" in report.skipped[0].reason


def test_strict_makes_unknown_binaries_fail(tmp_path: Path) -> None:
    path = write(tmp_path, "blob.dat", NOISE)
    assert _high(path, ScanOptions(strict=True)) == {"scan.file.unknown-format"}


def test_every_file_no_scanner_read_is_skipped_with_a_reason(tmp_path: Path) -> None:
    write(tmp_path, "README.md", b"# a model\n")
    write(tmp_path, "LICENSE", b"MIT License\n")
    write(tmp_path, "vocab.json", b'{"a": 1}')
    write(tmp_path, "empty.txt", b"")
    write(tmp_path, "model.pkl", call_pickle("builtins", "dict"))
    report = scan_path(tmp_path, ScanOptions())
    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(skipped) == {"README.md", "LICENSE", "vocab.json", "empty.txt"}
    assert all(skipped.values())


def test_an_empty_model_directory_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    assert _high(tmp_path / "model") == {"inventory.empty"}


@pytest.mark.parametrize(
    ("name", "magic"),
    [("weights.7z", b"7z\xbc\xaf\x27\x1c\x00\x04"), ("weights.rar", b"Rar!\x1a\x07\x01\x00"),
     ("weights.tar.zst", b"\x28\xb5\x2f\xfd")],
)  # fmt: skip
def test_archives_the_scanner_cannot_open_are_unsupported(
    tmp_path: Path, name: str, magic: bytes
) -> None:
    # A 7z holding a posix.system pickle once printed "no findings".
    assert _high(write(tmp_path, name, magic + NOISE)) == {"scan.archive.unsupported"}


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "pack"),
    [("m.tar", lambda b: b), ("m.tar.gz", gzip.compress), ("m.tgz", gzip.compress),
     ("m.tar.bz2", bz2.compress), ("m.tar.xz", lzma.compress)],
)  # fmt: skip
def test_tar_archives_are_unpacked_and_scanned(tmp_path: Path, name: str, pack: object) -> None:
    payload = call_pickle("posix", "system", "id")
    data = pack(_tar({"model/data.pkl": payload, "README.md": b"hi"}))  # type: ignore[operator]
    assert "scan.pickle.unsafe-global" in _high(write(tmp_path, name, data))


def _corrupt(raw: bytes, how: str) -> bytes:
    data = bytearray(raw)
    if how == "truncated":
        return bytes(data[: len(data) * 2 // 3])
    if how == "checksum":
        data[-4:] = bytes(b ^ 0xFF for b in data[-4:])
        return bytes(data)
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(16)
    return bytes(data)


@pytest.mark.parametrize("how", ["zeroed", "truncated", "checksum"])
@pytest.mark.parametrize("codec", ["zlib", "gzip", "bz2", "xz", "lz4"])
def test_corrupted_compressed_joblib_is_malformed(tmp_path: Path, codec: str, how: str) -> None:
    joblib = pytest.importorskip("joblib")
    if codec == "lz4":
        pytest.importorskip("lz4")
    good = tmp_path / "good.joblib"
    joblib.dump({"a": list(range(2000)), "b": "x" * 500}, good, compress=(codec, 3))
    bad = write(tmp_path, f"bad-{codec}.joblib", _corrupt(good.read_bytes(), how))
    try:
        joblib.load(bad)
    except Exception:  # the real loader refuses it, whatever it raises
        pass
    else:
        pytest.skip(f"joblib loads a {how} {codec} stream")
    assert _high(bad) & {"scan.archive.malformed", "scan.pickle.malformed"}
