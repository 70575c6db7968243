"""``.npy`` arrays: the header is a Python literal; object arrays carry a pickle."""

from __future__ import annotations

import ast
import mmap
import struct
from collections.abc import Iterator

from modelsteward.findings import Finding, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan.interface import ScanOptions
from modelsteward.scan.pickle import scan_stream
from modelsteward.scan.pickle_sink import Where

_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 1 << 20


class NpyFormatError(Exception):
    """The header is not what ``numpy.lib.format`` accepts."""


def parse_header(head: bytes) -> tuple[dict[str, object], int]:
    """The header dict and the offset of the array data.

    Raises:
        NpyFormatError: when numpy would refuse the header.
    """
    if not head.startswith(_MAGIC) or len(head) < 10:
        raise NpyFormatError("missing .npy magic")
    major = head[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", head[8:10])
        start = 10
    elif major in (2, 3):
        (hlen,) = struct.unpack("<I", head[8:12])
        start = 12
    else:
        raise NpyFormatError(f"unsupported .npy version {major}")
    if hlen > _MAX_HEADER or start + hlen > len(head):
        raise NpyFormatError("header length runs past the data")
    text = head[start : start + hlen].decode("utf-8" if major == 3 else "latin-1")
    try:
        header = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise NpyFormatError(f"header is not a Python literal: {exc}") from exc
    if not isinstance(header, dict) or {"descr", "fortran_order", "shape"} - header.keys():
        raise NpyFormatError("header lacks descr, fortran_order or shape")
    return header, start + hlen


def has_object(descr: object) -> bool:
    """True when a numpy ``descr`` contains an object field."""
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, list):
        return any(isinstance(f, tuple) and len(f) >= 2 and has_object(f[1]) for f in descr)
    return False


class NumpyScanner:
    """``.npy`` files (and, through the archive scanner, the members of ``.npz``)."""

    name = "numpy"

    def handles(self, artifact: Artifact) -> bool:
        """Files with the ``.npy`` magic."""
        return artifact.kind is ArtifactKind.NUMPY

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Parse the header; interpret the pickle of an object array."""
        with open(artifact.path, "rb") as fh:
            size = fh.seek(0, 2)
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                try:
                    header, data = parse_header(buf[: min(size, _MAX_HEADER + 12)])
                except NpyFormatError as exc:
                    yield Finding(
                        rule_id="scan.numpy.malformed",
                        severity=Severity.HIGH,
                        message=f"The .npy header cannot be parsed: {exc}.",
                        location=artifact.location(offset=0),
                        evidence=str(exc),
                    )
                    return
                if not has_object(header["descr"]):
                    return
                inner = scan_stream(buf, data, size, Where(path=artifact.display), options)
                verified = not any(f.severity >= Severity.MEDIUM for f in inner)
                yield Finding(
                    rule_id="scan.numpy.object-array",
                    severity=Severity.LOW if verified else Severity.MEDIUM,
                    message="The array has an object dtype: numpy.load needs "
                    "allow_pickle=True and then unpickles the data"
                    + ("; the pickle only builds plain values." if verified else "."),
                    location=artifact.location(offset=data),
                    evidence=str(header["descr"]),
                )
                yield from inner
