"""Safetensors header validation: real files pass, hostile headers fire exact rules."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from modelsteward.findings import Severity
from modelsteward.inventory import ArtifactKind
from modelsteward.scan.safetensors import RULES, SafetensorsScanner
from tests.scan.format_factories import rule_ids, safetensors_bytes, scan, scan_as

SCANNER = SafetensorsScanner()


def _f32(name: str, shape: list[int], begin: int) -> dict[str, object]:
    n = int(np.prod(shape)) * 4
    return {name: {"dtype": "F32", "shape": shape, "data_offsets": [begin, begin + n]}}


def test_real_safetensors_file_has_no_findings(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    tensors = {
        "a": np.ones((3, 4), np.float32),
        "b": np.zeros((2,), np.int64),
        "c": np.zeros((0, 5), np.float16),
        "d": np.arange(7, dtype=np.uint8),
    }
    save_file(tensors, str(path), metadata={"format": "np"})
    assert scan(SCANNER, path) == []


@pytest.mark.parametrize(
    ("header", "data", "declared", "rule"),
    [
        # Truncated: the header claims more than the file holds.
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"", 10_000, "malformed"),
        # Header size past the loader's 100 MB bound (memory exhaustion attempt).
        (b"{}", b"", 2**40, "header-too-large"),
        (b"[1, 2]", b"", None, "malformed"),
        (b'{"a": 1, "a": 2}', b"", None, "malformed"),
        (b'{"x": NaN}', b"", None, "malformed"),
        (
            {"a": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}},
            b"\0" * 4,
            None,
            "malformed",
        ),
        (
            {"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
            b"\0" * 4,
            None,
            "malformed",
        ),
        (
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}},
            b"\0" * 4,
            None,
            "malformed",
        ),
        (
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 400]}},
            b"\0" * 4,
            None,
            "malformed",
        ),
        (
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}},
            b"\0" * 4,
            None,
            "malformed",
        ),
        ({"__metadata__": {"k": 1}}, b"", None, "malformed"),
        ({**_f32("a", [2], 0), **_f32("b", [2], 4)}, b"\0" * 12, None, "overlap"),
        ({**_f32("a", [1], 0), **_f32("b", [1], 8)}, b"\0" * 12, None, "gap"),
        (_f32("a", [1], 0), b"\0" * 4 + b"hidden", None, "trailing-data"),
    ],
)
def test_hostile_header_fires_rule(
    tmp_path: Path, header: object, data: bytes, declared: int | None, rule: str
) -> None:
    path = tmp_path / "bad.safetensors"
    assert isinstance(header, dict | bytes)
    path.write_bytes(safetensors_bytes(header, data, declared=declared))
    # Some of these do not even sniff as safetensors; the scanner must still cope.
    found = scan_as(SCANNER, path, ArtifactKind.SAFETENSORS)
    assert f"scan.safetensors.{rule}" in rule_ids(found)


def test_null_metadata_is_accepted_like_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    path.write_bytes(safetensors_bytes({"__metadata__": None, **_f32("a", [1], 0)}, b"\0" * 4))
    assert scan(SCANNER, path) == []


def test_zip_hidden_after_tensors_is_high(tmp_path: Path) -> None:
    # Polyglot: a safetensors file whose tail is a zip (torch.load would read it).
    path = tmp_path / "poly.safetensors"
    path.write_bytes(safetensors_bytes(_f32("a", [1], 0), b"\0" * 4 + b"PK\x03\x04rest"))
    found = [f for f in scan(SCANNER, path) if f.rule_id == "scan.safetensors.trailing-data"]
    assert found and found[0].severity is Severity.HIGH


def test_header_validation_of_a_5_gib_file_takes_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "big.safetensors"
    size = 5 * 1024**3
    header = safetensors_bytes({"w": {"dtype": "U8", "shape": [size], "data_offsets": [0, size]}})
    with open(path, "wb") as fh:
        fh.write(header)
        fh.truncate(len(header) + size)  # sparse: the data is never read
    assert os.path.getsize(path) == len(header) + size
    if path.stat().st_blocks * 512 > 64 * 1024**2:
        pytest.skip("the temporary file system does not support sparse files")
    start = time.perf_counter()
    found = scan(SCANNER, path)
    elapsed = time.perf_counter() - start
    assert found == []
    assert elapsed < 0.5


def test_rules_catalog_lists_every_rule() -> None:
    ids = {r.id for r in RULES}
    assert {"scan.safetensors.malformed", "scan.safetensors.overlap"} <= ids
