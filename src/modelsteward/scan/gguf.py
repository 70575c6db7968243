"""GGUF: every metadata field and tensor record parsed with bounds checks, templates analysed.

The reader is written for hostile headers: every count and length is checked against the
bytes that remain before anything is allocated, so a header claiming 2**63 keys or a 2**40
byte string is a finding in microseconds (the llama.cpp parser overflows of
CVE-2024-25664..25668 and CVE-2026-33298 / GHSA-96jg-mvhq-q7q7 came from trusting them).
The file is memory-mapped and only the header pages are touched.
"""

from __future__ import annotations

import functools
import itertools
import math
import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from modelsteward.findings import Finding, Rule, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan._formats import malformed, malformed_rule
from modelsteward.scan._template_probe import TemplateLimits
from modelsteward.scan.chat_template import analyse_template, template_findings, template_rules
from modelsteward.scan.interface import ScanOptions

NAME = "gguf"
MAX_DIMS = 4
MAX_TENSOR_NAME = 64
MAX_TEMPLATE_BYTES = 1_000_000
_MAX_ARRAY_DEPTH = 4
_BOUNDS_REFS = ("CVE-2026-33298", "GHSA-96jg-mvhq-q7q7")

_SCALARS: dict[int, str] = {
    0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "B", 10: "Q", 11: "q", 12: "d",
}  # fmt: skip
_STRING, _ARRAY = 8, 9


@functools.cache
def _blocks() -> dict[int, tuple[int, int]]:
    """Block size and bytes per block of each tensor type, from the gguf package (imported on
    first use: it pulls numpy, which a scan without GGUF files does not need)."""
    from gguf.constants import GGML_QUANT_SIZES

    return {int(k): v for k, v in GGML_QUANT_SIZES.items()}


RULES: tuple[Rule, ...] = (
    malformed_rule(NAME, "GGUF header"),
    Rule(
        id="scan.gguf.tensor-bounds",
        summary="A tensor's data lies (partly) outside the file: an out-of-bounds read.",
        help="Do not load the file; runtimes that trust the record read process memory.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.gguf.tensor-overlap",
        summary="Two tensors share bytes.",
        help="Regenerate the file with gguf-py or llama.cpp's converter.",
        severity=Severity.HIGH,
    ),
    *template_rules("scan.gguf.template-", "GGUF tokenizer.chat_template"),
)


class _Malformed(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(slots=True)
class _Header:
    strings: dict[str, str] = field(default_factory=dict)
    alignment: int = 32
    tensors: list[tuple[str, int, int, int]] = field(default_factory=list)
    """(name, offset relative to the data section, byte size, record offset)."""
    data_start: int = 0


class _Reader:
    def __init__(self, buf: mmap.mmap, endian: str) -> None:
        self.buf = buf
        self.pos = 0
        self.end = len(buf)
        self.endian = endian

    def need(self, n: int, what: str) -> None:
        if n < 0 or n > self.end - self.pos:
            raise _Malformed(f"{what} needs {n} bytes but {self.end - self.pos} remain", self.pos)

    def scalar(self, code: str, what: str) -> int | float:
        size = struct.calcsize(code)
        self.need(size, what)
        (value,) = struct.unpack_from(self.endian + code, self.buf, self.pos)
        self.pos += size
        return value  # type: ignore[no-any-return]

    def uint(self, code: str, what: str) -> int:
        return int(self.scalar(code, what))

    def string(self, what: str, keep: bool = True, max_len: int | None = None) -> str:
        n = self.uint("Q", f"{what} length")
        self.need(n, what)
        if max_len is not None and n > max_len:
            raise _Malformed(f"{what} has {n} bytes (bound {max_len})", self.pos)
        start, self.pos = self.pos, self.pos + n
        if not keep:
            return ""
        try:
            return self.buf[start : start + n].decode("utf-8")
        except UnicodeDecodeError:
            raise _Malformed(f"{what} is not valid UTF-8", start) from None


class GgufScanner:
    """Parses GGUF v2/v3 headers defensively and analyses embedded chat templates."""

    name = NAME

    def handles(self, artifact: Artifact) -> bool:
        """True for files sniffed as GGUF."""
        return artifact.kind is ArtifactKind.GGUF

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield header, tensor-layout and chat-template findings."""
        try:
            with (
                open(artifact.path, "rb") as fh,
                mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf,
            ):
                header = _parse(buf)
        except _Malformed as exc:
            yield malformed(artifact, NAME, f"Invalid GGUF: {exc.message}.", offset=exc.offset)
            return
        except (OSError, ValueError) as exc:
            yield malformed(artifact, NAME, f"The file could not be mapped: {exc}.")
            return
        yield from _layout(artifact, header)
        limits = TemplateLimits(timeout_s=min(2.0, options.timeout_s))
        for key, source in sorted(header.strings.items()):
            if key == "tokenizer.chat_template" or key.startswith("tokenizer.chat_template."):
                issues = analyse_template(source, limits)
                yield from template_findings(
                    issues, artifact, prefix=f"scan.{NAME}.template-", member=key
                )


def _parse(buf: mmap.mmap) -> _Header:
    if buf[:4] != b"GGUF":
        raise _Malformed("missing GGUF magic", 0)
    reader = _Reader(buf, "<")
    reader.pos = 4
    version = reader.uint("I", "version")
    if version & 0xFFFF == 0:
        reader.endian = ">"
        version = int.from_bytes(buf[4:8], "big")
    if version not in (2, 3):
        raise _Malformed(f"unsupported version {version}", 4)
    n_tensors = reader.uint("Q", "tensor count")
    n_kv = reader.uint("Q", "metadata count")
    reader.need(n_kv * 13, f"{n_kv} metadata entries")
    header = _Header()
    seen: set[str] = set()
    for _ in range(n_kv):
        _read_kv(reader, header, seen)
    reader.need(n_tensors * 24, f"{n_tensors} tensor records")
    names: set[str] = set()
    for _ in range(n_tensors):
        header.tensors.append(_read_tensor(reader, names))
    align = header.alignment
    header.data_start = -(-reader.pos // align) * align
    return header


def _read_kv(reader: _Reader, header: _Header, seen: set[str]) -> None:
    at = reader.pos
    key = reader.string("metadata key")
    if key in seen:
        raise _Malformed(f"duplicate metadata key {key!r}", at)
    seen.add(key)
    vtype = reader.uint("I", f"type of {key!r}")
    if key == "general.alignment":
        if vtype != 4:
            raise _Malformed("general.alignment must be a uint32", at)
        align = reader.uint("I", "alignment")
        if align == 0 or align & (align - 1):
            raise _Malformed(f"alignment {align} is not a power of two", at)
        header.alignment = align
    elif vtype == _STRING and key.startswith("tokenizer.chat_template"):
        header.strings[key] = reader.string(f"value of {key!r}", max_len=MAX_TEMPLATE_BYTES)
    else:
        _skip_value(reader, vtype, key, depth=0)


def _skip_value(reader: _Reader, vtype: int, key: str, depth: int) -> None:
    if vtype in _SCALARS:
        value = reader.scalar(_SCALARS[vtype], f"value of {key!r}")
        if vtype == 7 and value not in (0, 1):
            raise _Malformed(f"bool {key!r} holds {value}", reader.pos - 1)
    elif vtype == _STRING:
        reader.string(f"value of {key!r}", keep=False)
    elif vtype == _ARRAY:
        if depth >= _MAX_ARRAY_DEPTH:
            raise _Malformed(f"arrays nested deeper than {_MAX_ARRAY_DEPTH} in {key!r}", reader.pos)
        etype = reader.uint("I", f"element type of {key!r}")
        count = reader.uint("Q", f"element count of {key!r}")
        if etype in _SCALARS and etype != 7:
            size = struct.calcsize(_SCALARS[etype])
            reader.need(count * size, f"{count} elements of {key!r}")
            reader.pos += count * size
            return
        reader.need(count * (1 if etype == 7 else 8), f"{count} elements of {key!r}")
        if etype == _STRING:
            reader.pos = _skip_strings(reader, count, key)
            return
        for _ in range(count):
            _skip_value(reader, etype, key, depth + 1)
    else:
        raise _Malformed(f"unknown value type {vtype} for {key!r}", reader.pos - 4)


def _skip_strings(reader: _Reader, count: int, key: str) -> int:
    """Skip ``count`` strings in a tight loop (token lists hold 100k+ entries)."""
    unpack = struct.Struct(reader.endian + "Q").unpack_from
    buf, pos, end = reader.buf, reader.pos, reader.end
    for _ in range(count):
        if pos + 8 > end:
            raise _Malformed(f"string array {key!r} is truncated", pos)
        (length,) = unpack(buf, pos)
        pos += 8 + length
        if pos > end:
            raise _Malformed(f"a string in {key!r} runs past the end of the file", pos - length)
    return pos


def _read_tensor(reader: _Reader, names: set[str]) -> tuple[str, int, int, int]:
    at = reader.pos
    name = reader.string("tensor name")
    if len(name.encode()) >= MAX_TENSOR_NAME or name in names:
        raise _Malformed(f"tensor name {name[:80]!r} is too long or repeated", at)
    names.add(name)
    n_dims = reader.uint("I", f"dimension count of {name!r}")
    if not 1 <= n_dims <= MAX_DIMS:
        raise _Malformed(f"tensor {name!r} has {n_dims} dimensions", at)
    dims = [reader.uint("Q", f"dimension of {name!r}") for _ in range(n_dims)]
    ggml_type = reader.uint("I", f"type of {name!r}")
    offset = reader.uint("Q", f"offset of {name!r}")
    if ggml_type not in _blocks():
        raise _Malformed(f"tensor {name!r} has unknown type {ggml_type}", at)
    count = math.prod(dims)
    if count >= 2**63 or any(d >= 2**63 for d in dims):
        raise _Malformed(f"tensor {name!r} element count {count} overflows int64", at)
    block, type_size = _blocks()[ggml_type]
    if dims[0] % block:
        raise _Malformed(f"tensor {name!r} row of {dims[0]} is not a multiple of {block}", at)
    return name, offset, count // block * type_size, at


def _layout(artifact: Artifact, header: _Header) -> Iterator[Finding]:
    data_size = artifact.size - header.data_start
    spans = []
    for name, offset, nbytes, at in header.tensors:
        if offset % header.alignment:
            yield malformed(
                artifact, NAME, f"Tensor {name!r} offset {offset} is not aligned.", offset=at
            )
        elif offset + nbytes > data_size:
            yield Finding(
                rule_id="scan.gguf.tensor-bounds",
                severity=Severity.HIGH,
                message=f"Tensor {name!r} claims bytes {offset}..{offset + nbytes} of a "
                f"{max(data_size, 0)}-byte data section.",
                location=artifact.location(offset=at),
                evidence=name,
                refs=_BOUNDS_REFS,
            )
        else:
            spans.append((offset, offset + nbytes, name))
    spans.sort()
    for (_b0, e0, n0), (b1, _e1, n1) in itertools.pairwise(spans):
        if b1 < e0:
            yield Finding(
                rule_id="scan.gguf.tensor-overlap",
                severity=Severity.HIGH,
                message=f"Tensors {n0!r} and {n1!r} share bytes.",
                location=artifact.location(offset=header.data_start + b1),
                evidence=f"{n0}, {n1}",
            )
