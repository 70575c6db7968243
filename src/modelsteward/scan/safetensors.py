"""Safetensors: validate the header the way the Rust loader does, without reading the data.

Layout: an 8-byte little-endian header length ``N``, ``N`` bytes of JSON, then the tensor
bytes. The loader refuses headers over 100 MB, tensors whose byte range does not match dtype
and shape, ranges that overlap or leave gaps, and data that does not end exactly at the end
of the file. Bytes the loader never looks at (gaps, a tail) are where a polyglot hides a zip
or a pickle, so they are findings too.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from modelsteward.findings import Finding, Rule, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan._formats import malformed, malformed_rule
from modelsteward.scan.interface import ScanOptions

NAME = "safetensors"
MAX_HEADER_BYTES = 100_000_000
"""The safetensors crate's own limit on the JSON header."""

DTYPE_BITS: dict[str, int] = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "C64": 64,
    "F64": 64,
    "I64": 64,
    "U64": 64,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
}
"""Bits per element of every dtype the safetensors format defines."""

_EMBEDDED_MAGICS = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", b"GGUF")

RULES: tuple[Rule, ...] = (
    malformed_rule(NAME, "safetensors header"),
    Rule(
        id="scan.safetensors.header-too-large",
        summary="The declared JSON header is larger than the loader accepts (100 MB).",
        help="A header this size is a denial-of-service attempt; do not load the file.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.safetensors.overlap",
        summary="Two tensors share bytes: writing one silently changes the other.",
        help="Regenerate the file with the safetensors library.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.safetensors.gap",
        summary="Bytes between tensors that no tensor owns (a place to hide a payload).",
        help="Regenerate the file with the safetensors library.",
        severity=Severity.MEDIUM,
    ),
    Rule(
        id="scan.safetensors.trailing-data",
        summary="Bytes after the last tensor; HIGH when they start like a zip, pickle or GGUF.",
        help="Inspect the tail: a polyglot file can be loaded as another format.",
        severity=Severity.MEDIUM,
    ),
)


@dataclass(frozen=True, slots=True)
class _Span:
    name: str
    begin: int
    end: int


class SafetensorsScanner:
    """Validates safetensors headers: size bound, JSON, dtypes, shapes, offsets, coverage."""

    name = NAME

    def handles(self, artifact: Artifact) -> bool:
        """True for files sniffed as safetensors."""
        return artifact.kind is ArtifactKind.SAFETENSORS

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield findings about the header; reads 8 + N bytes and, for a tail, 8 more."""
        try:
            with open(artifact.path, "rb") as fh:
                yield from _scan_open(artifact, fh, artifact.size)
        except OSError as exc:
            yield malformed(artifact, NAME, f"The file could not be read: {exc.strerror}.")


def _scan_open(artifact: Artifact, fh: BinaryIO, size: int) -> Iterator[Finding]:
    prefix = fh.read(8)
    if len(prefix) < 8:
        yield malformed(artifact, NAME, "The file is shorter than the 8-byte header length.")
        return
    (n,) = struct.unpack("<Q", prefix)
    if n > MAX_HEADER_BYTES:
        yield Finding(
            rule_id="scan.safetensors.header-too-large",
            severity=Severity.HIGH,
            message=f"The header claims {n} bytes; the loader refuses more than 100 MB.",
            location=artifact.location(offset=0),
            evidence=str(n),
        )
        return
    if n > size - 8:
        yield malformed(
            artifact, NAME, f"The header claims {n} bytes but the file has only {size - 8}."
        )
        return
    raw = fh.read(n)
    if len(raw) != n:
        yield malformed(artifact, NAME, "The file ended inside the header.")
        return
    header = _parse_header(artifact, raw)
    if isinstance(header, Finding):
        yield header
        return
    data_size = size - 8 - n
    spans: list[_Span] = []
    for key, entry in header.items():
        if key == "__metadata__":
            problem = _metadata_problem(entry)
        else:
            result = _tensor_span(key, entry, data_size)
            problem = result if isinstance(result, str) else None
            if isinstance(result, _Span):
                spans.append(result)
        if problem is not None:
            yield malformed(artifact, NAME, problem, offset=8, evidence=key[:120])
            return
    yield from _coverage(artifact, fh, spans, data_start=8 + n, data_size=data_size)


def _parse_header(artifact: Artifact, raw: bytes) -> dict[str, object] | Finding:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return malformed(artifact, NAME, "The header is not valid UTF-8.", offset=8)
    if not text.startswith("{"):
        return malformed(artifact, NAME, "The header does not start with a JSON object.", offset=8)
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        return malformed(artifact, NAME, f"The header is not valid JSON: {exc}.", offset=8)
    if not isinstance(value, dict):
        return malformed(artifact, NAME, "The header is not a JSON object.", offset=8)
    return value


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> object:
    raise ValueError(f"non-standard constant {name}")


def _metadata_problem(entry: object) -> str | None:
    if entry is None:
        return None  # the Rust loader reads ``__metadata__`` as an optional map
    if not isinstance(entry, dict):
        return "__metadata__ is not an object."
    if not all(isinstance(v, str) for v in entry.values()):
        return "__metadata__ values must all be strings."
    return None


def _tensor_span(name: str, entry: object, data_size: int) -> _Span | str:
    if not isinstance(entry, dict):
        return f"Tensor {name!r} is not an object."
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        return f"Tensor {name!r} has an unknown dtype {dtype!r}."
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        return f"Tensor {name!r} has an invalid shape."
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets):
        return f"Tensor {name!r} has invalid data_offsets."
    begin, end = offsets
    if begin > end or end > data_size:
        return f"Tensor {name!r} spans bytes {begin}..{end} outside the {data_size}-byte data."
    bits = math.prod(shape) * DTYPE_BITS[dtype]
    if bits % 8 or bits // 8 != end - begin:
        return f"Tensor {name!r}: {dtype} {shape} does not fill its {end - begin} bytes."
    return _Span(name, begin, end)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _coverage(
    artifact: Artifact, fh: BinaryIO, spans: list[_Span], *, data_start: int, data_size: int
) -> Iterator[Finding]:
    spans.sort(key=lambda s: (s.begin, s.end))
    cursor = 0
    previous: _Span | None = None
    for span in spans:
        if span.begin == span.end:
            continue
        if previous is not None and span.begin < cursor:
            yield Finding(
                rule_id="scan.safetensors.overlap",
                severity=Severity.HIGH,
                message=f"Tensors {previous.name!r} and {span.name!r} share bytes.",
                location=artifact.location(offset=data_start + span.begin),
                evidence=f"{previous.name}[{previous.begin}:{previous.end}] "
                f"{span.name}[{span.begin}:{span.end}]",
            )
        elif span.begin > cursor:
            yield Finding(
                rule_id="scan.safetensors.gap",
                severity=Severity.MEDIUM,
                message=f"{span.begin - cursor} bytes before tensor {span.name!r} belong to "
                "no tensor.",
                location=artifact.location(offset=data_start + cursor),
                evidence=f"[{cursor}:{span.begin}]",
            )
        if span.end > cursor:
            cursor, previous = span.end, span
    if cursor < data_size:
        yield _trailing(artifact, fh, offset=data_start + cursor, count=data_size - cursor)


def _trailing(artifact: Artifact, fh: BinaryIO, *, offset: int, count: int) -> Finding:
    fh.seek(offset)
    head = fh.read(8)
    embedded = next((m for m in _EMBEDDED_MAGICS if head.startswith(m)), None)
    severity = Severity.HIGH if embedded is not None else Severity.MEDIUM
    what = f" starting like {embedded!r}" if embedded is not None else ""
    return Finding(
        rule_id="scan.safetensors.trailing-data",
        severity=severity,
        message=f"{count} bytes{what} follow the last tensor; the loader would refuse them.",
        location=artifact.location(offset=offset),
        evidence=head.hex(),
    )
