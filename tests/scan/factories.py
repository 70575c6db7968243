"""Builders for scanner test files: pickles from raw opcodes, zips with hand-edited headers.

Malicious payloads are written opcode by opcode (never by pickling live objects that would
import what they name), so building a test file can never run its payload.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

from modelsteward.demo.pickles import PickleWriter, torch_state_dict_pickle

__all__ = [
    "PickleWriter",
    "call_pickle",
    "patch_central",
    "patch_local",
    "torch_state_dict_pickle",
    "torch_zip",
    "write",
    "zip_bytes",
]


def write(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``directory/name`` and return the path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def call_pickle(module: str, name: str, *args: str, protocol: int = 2) -> bytes:
    """A pickle whose load calls ``module.name(*args)`` (string arguments)."""
    w = PickleWriter(protocol)
    w.global_(module, name).mark()
    for arg in args:
        w.unicode(arg)
    return w.tuple_().reduce().finish()


def zip_bytes(members: dict[str, bytes], *, compress: bool = False) -> bytes:
    """A zip holding ``members`` (stored, or deflated with ``compress``)."""
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def torch_zip(pkl: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A ``torch.save``-layout zip whose ``archive/data.pkl`` is ``pkl``."""
    members = {"archive/data.pkl": pkl, "archive/byteorder": b"little", "archive/version": b"3\n"}
    members.update(extra or {})
    return zip_bytes(members)


def _offsets(data: bytes, signature: bytes) -> list[int]:
    out = []
    pos = data.find(signature)
    while pos >= 0:
        out.append(pos)
        pos = data.find(signature, pos + 1)
    return out


def patch_local(data: bytes, index: int, *, field: str, value: int | bytes) -> bytes:
    """Change one field of the ``index``-th local header (``flags``, ``crc``, ``name``)."""
    out = bytearray(data)
    pos = _offsets(data, b"PK\x03\x04")[index]
    if field == "flags":
        struct.pack_into("<H", out, pos + 6, int(value))  # type: ignore[arg-type]
    elif field == "crc":
        struct.pack_into("<I", out, pos + 14, int(value))  # type: ignore[arg-type]
    elif field == "name":
        (nlen,) = struct.unpack_from("<H", data, pos + 26)
        assert isinstance(value, bytes) and len(value) == nlen
        out[pos + 30 : pos + 30 + nlen] = value
    return bytes(out)


def patch_central(data: bytes, index: int, *, field: str, value: int) -> bytes:
    """Change one field of the ``index``-th central directory entry (``flags``, ``crc``)."""
    out = bytearray(data)
    pos = _offsets(data, b"PK\x01\x02")[index]
    if field == "flags":
        struct.pack_into("<H", out, pos + 8, value)
    elif field == "crc":
        struct.pack_into("<I", out, pos + 16, value)
    return bytes(out)
