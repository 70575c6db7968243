"""Bounded decompression into a private directory: every byte written counts against the
scan's unpacked-size limit, and a stream that inflates past the ratio limit is a bomb."""

from __future__ import annotations

import zlib

from modelsteward._records import Record
from modelsteward.inventory import ArtifactKind

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from typing import IO

_CHUNK = 1 << 20
RATIO_FLOOR = 64 * 1024 * 1024
"""Below this many unpacked bytes the ratio limit does not apply (zeros compress well)."""


class BombError(Exception):
    """Unpacking went past a limit."""


class CodecMissing(Exception):
    """The codec's package is not installed."""


class Budget(Record):
    """What is left to unpack for one top-level file."""

    unpacked_left: int
    ratio: float

    def check(self, written: int, compressed: int) -> None:
        """Raise when ``written`` bytes from ``compressed`` input break a limit.

        Raises:
            BombError: over the unpacked-size or the ratio limit.
        """
        if written > self.unpacked_left:
            raise BombError(f"unpacked size passed the limit ({written} bytes)")
        if written > RATIO_FLOOR and written > self.ratio * max(compressed, 1):
            raise BombError(
                f"compression ratio passed {self.ratio:g} ({written} bytes from {compressed})"
            )


def copy_bounded(chunks: Iterator[bytes], dest: Path, budget: Budget, compressed: int) -> int:
    """Write ``chunks`` to ``dest`` under ``budget``; return the byte count.

    Raises:
        BombError: when a limit is passed (the partial file is left for cleanup).
    """
    written = 0
    with open(dest, "wb") as out:
        for chunk in chunks:
            written += len(chunk)
            budget.check(written, compressed)
            out.write(chunk)
    budget.unpacked_left -= written
    return written


def raw_deflate(data: Callable[[], Iterator[bytes]]) -> Iterator[bytes]:
    """Inflate a raw deflate stream (zip method 8) chunk by chunk."""
    engine = zlib.decompressobj(-15)
    for piece in data():
        while piece:
            yield engine.decompress(piece, _CHUNK)
            piece = engine.unconsumed_tail
    yield engine.flush()


def stream_chunks(fh: IO[bytes], length: int) -> Iterator[bytes]:
    """Read ``length`` bytes of ``fh`` in 1 MiB chunks."""
    left = length
    while left > 0:
        chunk = fh.read(min(_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def decompress_file(path: Path, kind: ArtifactKind) -> Iterator[bytes]:
    """Decompressed chunks of a single-stream compressed file (joblib's compressors).

    Raises:
        CodecMissing: for lz4 without the ``lz4`` package.
        OSError, EOFError, zlib.error, lzma.LZMAError, RuntimeError (lz4): when the
            stream is corrupt.
    """
    if kind is ArtifactKind.ZLIB:
        return _zlib(path)
    if kind not in (ArtifactKind.GZIP, ArtifactKind.BZ2, ArtifactKind.XZ):
        if kind is not ArtifactKind.LZ4 or not _has_lz4():
            raise CodecMissing(kind.value)
    return _read_all(kind, path)


def _has_lz4() -> bool:
    try:
        import lz4.frame  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _open(kind: ArtifactKind, path: Path) -> IO[bytes]:
    if kind is ArtifactKind.GZIP:
        import gzip
        from typing import cast

        return cast("IO[bytes]", gzip.open(path, "rb"))
    if kind is ArtifactKind.BZ2:
        import bz2

        return bz2.open(path, "rb")
    if kind is ArtifactKind.XZ:
        import lzma

        return lzma.open(path, "rb")
    import lz4.frame  # type: ignore[import-not-found, unused-ignore]

    opened: IO[bytes] = lz4.frame.open(path, "rb")
    return opened


def _read_all(kind: ArtifactKind, path: Path) -> Iterator[bytes]:
    with _open(kind, path) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _zlib(path: Path) -> Iterator[bytes]:
    engine = zlib.decompressobj()
    with open(path, "rb") as fh:
        while piece := fh.read(_CHUNK):
            while piece:
                yield engine.decompress(piece, _CHUNK)
                piece = engine.unconsumed_tail
            if engine.eof:
                break
    yield engine.flush()
    if not engine.eof:
        raise EOFError("the zlib stream ends before its end marker")
