"""Decide what a file is from its bytes: magic numbers and structure, never the extension."""

from __future__ import annotations

import enum
import struct
from pathlib import Path

_HEAD = 4096
_EOCD_WINDOW = 65_557  # 22-byte end-of-central-directory record plus a 64 KiB comment


class ArtifactKind(enum.StrEnum):
    """What a file is, judged from its content."""

    ZIP = "zip"
    TAR = "tar"
    GZIP = "gzip"
    BZ2 = "bz2"
    XZ = "xz"
    LZ4 = "lz4"
    ZLIB = "zlib"
    SEVEN_ZIP = "7z"
    RAR = "rar"
    ZSTD = "zstd"
    PICKLE = "pickle"
    NUMPY = "numpy"
    SAFETENSORS = "safetensors"
    GGUF = "gguf"
    ONNX = "onnx"
    TF_SAVED_MODEL = "tf_saved_model"
    HDF5 = "hdf5"
    JSON = "json"
    PYTHON = "python"
    TEXT = "text"
    BINARY = "binary"
    EMPTY = "empty"


COMPRESSED_KINDS = frozenset(
    {ArtifactKind.GZIP, ArtifactKind.BZ2, ArtifactKind.XZ, ArtifactKind.LZ4, ArtifactKind.ZLIB}
)
"""Single-stream compressed files (joblib writes these)."""

UNREADABLE_ARCHIVES = frozenset({ArtifactKind.SEVEN_ZIP, ArtifactKind.RAR, ArtifactKind.ZSTD})
"""Archives and codecs people open by hand that the scanner does not unpack."""


def sniff_kind(path: Path, size: int | None = None) -> ArtifactKind:
    """Decide what a regular file is from its first bytes and, for zips, its tail.

    Raises:
        OSError: when the file cannot be read.
    """
    if size is None:
        size = path.stat().st_size
    if size == 0:
        return ArtifactKind.EMPTY
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
        tail = b""
        if size > len(head):
            fh.seek(max(0, size - _EOCD_WINDOW))
            tail = fh.read(_EOCD_WINDOW)
    return classify_bytes(head, tail or head, size=size, name=path.name)


def classify_bytes(head: bytes, tail: bytes, *, size: int, name: str = "") -> ArtifactKind:
    """Classify content from its first bytes, last bytes and total size."""
    kind = _by_magic(head, size)
    if kind is not None:
        return kind
    if b"PK\x05\x06" in tail or b"PK\x06\x06" in tail:
        # A central directory at the end is what torch's reader trusts, even when the
        # local headers at the start were mangled.
        return ArtifactKind.ZIP
    if _looks_like_pickle(head, tail, complete=size <= len(head)):
        return ArtifactKind.PICKLE
    proto = _protobuf_kind(head)
    if proto is not None:
        return proto
    return _text_kind(head, name)


def _by_magic(head: bytes, size: int) -> ArtifactKind | None:
    magics: tuple[tuple[bytes, ArtifactKind], ...] = (
        (b"PK\x03\x04", ArtifactKind.ZIP),
        (b"PK\x05\x06", ArtifactKind.ZIP),
        (b"\x93NUMPY", ArtifactKind.NUMPY),
        (b"GGUF", ArtifactKind.GGUF),
        (b"\x89HDF\r\n\x1a\n", ArtifactKind.HDF5),
        (b"\x1f\x8b", ArtifactKind.GZIP),
        (b"BZh", ArtifactKind.BZ2),
        (b"\xfd7zXZ\x00", ArtifactKind.XZ),
        (b"\x04\x22\x4d\x18", ArtifactKind.LZ4),
        (b"7z\xbc\xaf\x27\x1c", ArtifactKind.SEVEN_ZIP),
        (b"Rar!\x1a\x07", ArtifactKind.RAR),
        (b"\x28\xb5\x2f\xfd", ArtifactKind.ZSTD),
    )
    for magic, kind in magics:
        if head.startswith(magic):
            return kind
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return ArtifactKind.PICKLE
    if len(head) > 262 and head[257:262] == b"ustar":
        return ArtifactKind.TAR
    if _looks_like_safetensors(head, size):
        return ArtifactKind.SAFETENSORS
    if len(head) >= 2 and head[0] == 0x78 and head[1] in (0x01, 0x5E, 0x9C, 0xDA):
        if (head[0] << 8 | head[1]) % 31 == 0:
            return ArtifactKind.ZLIB
    return None


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 10:
        return False
    (n,) = struct.unpack_from("<Q", head, 0)
    return 2 <= n <= size - 8 and head[8:9] == b"{"


# Opcodes a protocol 0/1 pickle may start with: MARK, EMPTY_LIST/DICT/TUPLE, GLOBAL, INT,
# LONG, STRING, UNICODE, NONE, BININT*, SHORT_BINSTRING, BINUNICODE, PERSID, FLOAT.
_PICKLE_START = frozenset(b"(]})cILSVNJKMUXPFG")
_MIN_OPS = 2
"""A head cut off before STOP counts as a pickle only after this many well-formed opcodes."""


def _looks_like_pickle(head: bytes, tail: bytes, *, complete: bool) -> bool:
    """True when ``head`` is a protocol 0/1 pickle stream from its first opcode.

    Every opcode must be known, its argument well formed, and the stack and mark effects
    possible (what CPython's unpickler needs). ``complete``: ``head`` is the whole file, so
    the stream must reach STOP; otherwise it may be cut at the end of ``head``, but the file
    must end with STOP. Prose fails within a few bytes: letters that are opcodes take
    arguments that prose does not provide (``L`` needs an integer line, ``S`` a quoted
    string) or pop a stack that is empty.
    """
    if not head or head[0] not in _PICKLE_START:
        return False
    if not complete and not tail.rstrip(b"\n").endswith(b"."):
        return False
    return _walk_opcodes(head, complete=complete)


def _walk_opcodes(data: bytes, *, complete: bool) -> bool:
    import io
    import pickletools

    mark = pickletools.markobject
    depth = 0
    marks: list[int] = []
    memo: set[object] = set()
    ops = 0
    try:
        for opcode, arg, _pos in pickletools.genops(io.BytesIO(data)):
            ops += 1
            before, after = opcode.stack_before, opcode.stack_after
            if opcode.name == "POP" and marks and marks[-1] == depth:
                marks.pop()  # CPython's POP drops an empty mark
                continue
            if mark in before:
                if not marks:
                    return False
                depth = marks.pop()
                need = before.index(mark)
            else:
                need = len(before)
            if depth < need:
                return False
            depth -= need
            if opcode.name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo.add(arg)
            elif opcode.name in ("GET", "BINGET", "LONG_BINGET") and arg not in memo:
                return False
            if mark in after:
                marks.append(depth)
            else:
                depth += len(after)
            if opcode.name == "STOP":
                return ops >= 2
    except ValueError as exc:
        # Cut off inside an argument at the end of the sniffed block is not a verdict.
        return not complete and ops >= _MIN_OPS and _is_truncation(str(exc))
    return not complete and ops >= _MIN_OPS


def _is_truncation(message: str) -> bool:
    return any(m in message for m in _TRUNCATED)


_TRUNCATED = ("remain", "no newline found", "not enough data", "exhausted before")
"""``pickletools`` messages for an argument or stream cut off by the end of the data."""


def _protobuf_kind(head: bytes) -> ArtifactKind | None:
    """Tell ONNX ModelProto from a TensorFlow SavedModel by their top-level fields."""
    fields = _protobuf_fields(head)
    if not fields or fields[0] != (1, 0):
        return None
    numbers = {n for n, _ in fields}
    if numbers & {3, 4, 5, 6, 7, 8, 14}:
        return ArtifactKind.ONNX
    if numbers <= {1, 2} and 2 in numbers:
        return ArtifactKind.TF_SAVED_MODEL
    return None


def _protobuf_fields(data: bytes, limit: int = 16) -> list[tuple[int, int]]:
    """Parse up to ``limit`` top-level (field number, wire type) pairs; [] if not protobuf."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < len(data) and len(out) < limit:
        key, pos = _varint(data, pos)
        if key is None:
            break
        number, wire = key >> 3, key & 7
        if number == 0 or wire not in (0, 1, 2, 5):
            return []
        out.append((number, wire))
        if wire == 0:
            value, pos = _varint(data, pos)
            if value is None:
                break
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            length, pos = _varint(data, pos)
            if length is None:
                break
            pos += length
    return out


def _varint(data: bytes, pos: int) -> tuple[int | None, int]:
    result = 0
    for shift in range(0, 64, 7):
        if pos >= len(data):
            return None, pos
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
    return None, pos


def _text_kind(head: bytes, name: str) -> ArtifactKind:
    if b"\x00" in head:
        return ArtifactKind.BINARY
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed block is still text.
        if exc.start < len(head) - 4:
            return ArtifactKind.BINARY
        text = head[: exc.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        return ArtifactKind.JSON
    first = stripped.splitlines()[0] if stripped else ""
    if name.endswith(".py") or (first.startswith("#!") and "python" in first):
        return ArtifactKind.PYTHON
    return ArtifactKind.TEXT
