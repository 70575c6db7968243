"""Pickle streams read as CPython reads them: arguments that straddle a FRAME, and streams
whose real load would exhaust memory. Each case asserts the exact rule id."""

from __future__ import annotations

import io
import pickle
import struct
from pathlib import Path

import pytest

from modelsteward.findings import Severity
from modelsteward.scan import ScanOptions, scan_path
from tests.scan.factories import PickleWriter, torch_zip, write


def _short(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def _straddling(module: str, name: str, arg: str) -> bytes:
    """A frame that ends two bytes into a BINBYTES length.

    Read from memory, the bytes swallow the call that follows; read from a file object
    without ``peek`` (what ``torch.load`` hands a zip member to), the two bytes are dropped,
    the length is 0 and the call runs.
    """
    call = _short(module) + _short(name) + b"\x93" + _short(arg) + b"\x85R."
    hidden = b"\x00\x00\x00\x00" + call
    linear_len = len(hidden) - 2
    frame = b"B" + struct.pack("<H", linear_len)
    return b"\x80\x04\x95" + struct.pack("<Q", len(frame)) + frame + hidden + b"."


def test_cpython_reads_a_straddling_frame_two_ways() -> None:
    # The stream's two readings, with a harmless callable: this is what the scanner models.
    data = _straddling("builtins", "str", "ran")
    assert pickle.load(io.BytesIO(data)) == "ran"
    assert pickle.loads(data) == b"\x00\x00" + data[data.index(b"\x8c") : -1]


def _rules(path: Path) -> set[tuple[str, str]]:
    report = scan_path(path, ScanOptions())
    return {(f.rule_id, f.evidence) for f in report.at_least(Severity.HIGH)}


def test_a_call_hidden_past_a_frame_end_is_found(tmp_path: Path) -> None:
    found = _rules(write(tmp_path, "model.pkl", _straddling("posix", "system", "id")))
    assert ("scan.pickle.unsafe-global", "posix.system") in found
    assert "scan.pickle.frame-straddle" in {rule for rule, _ in found}


def test_a_call_hidden_past_a_frame_end_in_a_torch_zip_is_found(tmp_path: Path) -> None:
    data = torch_zip(_straddling("posix", "system", "id"))
    found = _rules(write(tmp_path, "pytorch_model.bin", data))
    assert ("scan.pickle.unsafe-global", "posix.system") in found


def test_framed_pickles_from_cpython_do_not_straddle(tmp_path: Path) -> None:
    value = {"k": ["x" * 70_000, b"y" * 100_000, list(range(30_000))], "n": None}
    for proto in (4, 5):
        write(tmp_path, f"p{proto}.pkl", pickle.dumps(value, protocol=proto))
    report = scan_path(tmp_path, ScanOptions())
    assert report.at_least(Severity.LOW) == ()


def _memo_bomb(indexes: range) -> bytes:
    w = PickleWriter(4).raw(b"N")
    for i in indexes:
        w.raw(b"r" + struct.pack("<I", i))
    return w.finish()


@pytest.mark.parametrize(
    "indexes",
    [range(2**30, 2**30 + 1), range(0, 100_000 * 1024, 1024)],
    ids=["one-huge-index", "growing-indexes"],
)
def test_memo_growth_is_resource_exhaustion(tmp_path: Path, indexes: range) -> None:
    found = {rule for rule, _ in _rules(write(tmp_path, "m.pkl", _memo_bomb(indexes)))}
    assert found == {"scan.pickle.resource-exhaustion"}


def test_sequential_memo_is_fine(tmp_path: Path) -> None:
    assert _rules(write(tmp_path, "m.pkl", _memo_bomb(range(5000)))) == set()


@pytest.mark.parametrize(
    "opcode",
    [b"\x8e" + struct.pack("<Q", 2**40), b"B" + struct.pack("<I", 2**31 - 1),
     b"\x8d" + struct.pack("<Q", 2**36), b"\x8b" + struct.pack("<i", 2**30)],
    ids=["BINBYTES8", "BINBYTES", "BINUNICODE8", "LONG4"],
)  # fmt: skip
def test_huge_declared_lengths_are_resource_exhaustion(tmp_path: Path, opcode: bytes) -> None:
    data = b"\x80\x04" + opcode + b"tiny."
    found = {rule for rule, _ in _rules(write(tmp_path, "m.pkl", data))}
    assert found == {"scan.pickle.resource-exhaustion", "scan.pickle.malformed"}


@pytest.mark.parametrize(
    ("module", "name", "args"),
    [("builtins", "bytearray", b"\x8a\x06\x00\x10\xa5\xd4\xe8\x00"),
     ("builtins", "bytes", b"\x8a\x06\x00\x10\xa5\xd4\xe8\x00")],
)  # fmt: skip
def test_allowed_calls_asked_for_terabytes_are_resource_exhaustion(
    tmp_path: Path, module: str, name: str, args: bytes
) -> None:
    w = PickleWriter(2).global_(module, name).raw(args).raw(b"\x85").reduce()
    found = _rules(write(tmp_path, "m.pkl", w.finish()))
    assert {rule for rule, _ in found} == {"scan.pickle.resource-exhaustion"}


def test_a_list_of_a_huge_range_is_resource_exhaustion(tmp_path: Path) -> None:
    w = PickleWriter(2).global_("builtins", "list")
    w.global_("builtins", "range").raw(b"J\x00\x00\x00\x40\x85").reduce()  # range(2**30)
    w.raw(b"\x85").reduce()
    found = _rules(write(tmp_path, "m.pkl", w.finish()))
    assert {rule for rule, _ in found} == {"scan.pickle.resource-exhaustion"}
