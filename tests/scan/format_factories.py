"""Builders for the non-pickle format scanner tests: hand-written bytes for hostile files.

Benign files come from the real libraries in the tests themselves; these helpers write what
no library would: lying headers, traversing paths, protobufs with chosen ops.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from pathlib import Path

from modelsteward.findings import Finding
from modelsteward.inventory import Artifact, ArtifactKind, walk_model
from modelsteward.scan.interface import Scanner, ScanOptions


def artifact(path: Path) -> Artifact:
    """The inventory's description of one file (kind sniffed from content)."""
    inventory = walk_model(path, hash_files=False)
    assert len(inventory.artifacts) == 1, inventory
    return inventory.artifacts[0]


def scan(scanner: Scanner, path: Path, options: ScanOptions | None = None) -> list[Finding]:
    """Run ``scanner`` on ``path``, asserting that it claims the file."""
    art = artifact(path)
    assert scanner.handles(art), f"{scanner.name} does not handle {art.kind}"
    return list(scanner.scan(art, options or ScanOptions()))


def scan_as(scanner: Scanner, path: Path, kind: ArtifactKind) -> list[Finding]:
    """Run ``scanner`` on ``path`` described as ``kind`` (for files sniffing cannot place)."""
    art = Artifact(
        path=path, display=str(path), relpath=path.name, size=path.stat().st_size, kind=kind
    )
    return list(scanner.scan(art, ScanOptions()))


def rule_ids(findings: Iterable[Finding]) -> set[str]:
    """The distinct rule ids among ``findings``."""
    return {f.rule_id for f in findings}


# --- safetensors -------------------------------------------------------------------------


def safetensors_bytes(
    header: dict[str, object] | bytes, data: bytes = b"", *, declared: int | None = None
) -> bytes:
    """A safetensors file with ``header`` (dict or raw JSON bytes) and ``data``."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    size = len(raw) if declared is None else declared
    return struct.pack("<Q", size) + raw + data


# --- GGUF ----------------------------------------------------------------------------------

GGUF_STRING, GGUF_ARRAY, GGUF_UINT32, GGUF_UINT64 = 8, 9, 4, 10


def gguf_string(text: str | bytes, *, length: int | None = None) -> bytes:
    """A GGUF string: uint64 length (or a lying ``length``) and the bytes."""
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw) if length is None else length) + raw


def gguf_kv(key: str, vtype: int, payload: bytes) -> bytes:
    """One metadata entry: key, value type, encoded value."""
    return gguf_string(key) + struct.pack("<I", vtype) + payload


def gguf_tensor(name: str, dims: list[int], ggml_type: int = 0, offset: int = 0) -> bytes:
    """One tensor record (type 0 is F32)."""
    out = gguf_string(name) + struct.pack("<I", len(dims))
    out += b"".join(struct.pack("<Q", d) for d in dims)
    return out + struct.pack("<IQ", ggml_type, offset)


def gguf_bytes(
    kvs: list[bytes],
    tensors: list[bytes] | None = None,
    data: bytes = b"",
    *,
    n_kv: int | None = None,
    n_tensors: int | None = None,
    version: int = 3,
) -> bytes:
    """A GGUF v3 file from encoded entries; counts may lie."""
    tensors = tensors or []
    head = b"GGUF" + struct.pack(
        "<IQQ",
        version,
        len(tensors) if n_tensors is None else n_tensors,
        len(kvs) if n_kv is None else n_kv,
    )
    body = head + b"".join(kvs) + b"".join(tensors)
    pad = (-len(body)) % 32
    return body + b"\x00" * pad + data


def template_gguf(template: str) -> bytes:
    """A tensor-less GGUF carrying ``tokenizer.chat_template``."""
    arch = gguf_kv("general.architecture", GGUF_STRING, gguf_string("llama"))
    tpl = gguf_kv("tokenizer.chat_template", GGUF_STRING, gguf_string(template))
    return gguf_bytes([arch, tpl])


# --- protobuf (TensorFlow SavedModel) ------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb_len(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def pb_varint(number: int, value: int) -> bytes:
    """A varint protobuf field."""
    return _varint(number << 3) + _varint(value)


def node_def(name: str, op: str) -> bytes:
    """A NodeDef with a name and an op."""
    return pb_len(1, name.encode()) + pb_len(2, op.encode())


def saved_model(
    nodes: list[tuple[str, str]],
    functions: dict[str, list[tuple[str, str]]] | None = None,
    *,
    saver_filename: str = "save/Const:0",
) -> bytes:
    """A SavedModel with one MetaGraphDef: graph nodes, a function library and a SaverDef."""
    graph = b"".join(pb_len(1, node_def(n, op)) for n, op in nodes)
    library = b""
    for fname, fnodes in (functions or {}).items():
        signature = pb_len(1, pb_len(1, fname.encode()))
        body = b"".join(pb_len(3, node_def(n, op)) for n, op in fnodes)
        library += pb_len(1, signature + body)
    if library:
        graph += pb_len(2, library)
    saver = pb_len(1, saver_filename.encode())
    meta = pb_len(2, graph) + pb_len(3, saver)
    return pb_varint(1, 1) + pb_len(2, meta)
