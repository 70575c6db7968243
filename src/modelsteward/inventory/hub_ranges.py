"""Judging a remote weight file from a few ranges of its bytes.

A sparse local file of the remote file's size receives exactly the ranges its format's
reader needs: the safetensors header, the GGUF header and tensor table, or a torch zip's end
records, central directory, every local header, and the members that are not raw tensor
storage (``data.pkl``, ``version``...). Everything else stays a hole. Formats that cannot be
judged this way are fetched whole by the caller.
"""

from __future__ import annotations

import struct
from pathlib import Path

from modelsteward.errors import StewardError

_HEAD = 64 * 1024
_TAIL = 65_557 + 20 + 56
"""End of central directory with the longest comment, plus the zip64 locator and record."""
_MAX_HEADER = 256 * 1024 * 1024
"""Largest header fetched by ranges; a larger one is fetched whole."""
_MAX_SAFETENSORS_HEADER = 100_000_000
_LOCAL_PAD = 256
"""Bytes fetched past a local header's name for its extra field (torch pads to 64)."""
_MERGE_GAP = 64 * 1024
_STORAGE = ("data/",)


class RangeError(StewardError):
    """A range request failed."""


class RangeReader:
    """HTTP range requests against one file revision, counting the bytes received."""

    def __init__(self, repo_id: str, commit: str) -> None:
        import httpx
        from huggingface_hub import constants, get_token

        self.repo_id = repo_id
        self.commit = commit
        self.endpoint = constants.ENDPOINT
        self.received = 0
        self.requests = 0
        headers = {"Accept-Encoding": "identity", "User-Agent": "modelsteward"}
        token = get_token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(headers=headers, follow_redirects=True, timeout=60.0)

    def get(self, path: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of ``path``.

        Raises:
            RangeError: when the server refuses or answers short.
        """
        import httpx
        from huggingface_hub import hf_hub_url

        if end <= start:
            return b""
        url = hf_hub_url(self.repo_id, path, revision=self.commit, endpoint=self.endpoint)
        try:
            resp = self._client.get(url, headers={"Range": f"bytes={start}-{end - 1}"})
        except httpx.HTTPError as exc:
            raise RangeError(f"range request for {path} failed: {exc}", hint="retry") from exc
        self.requests += 1
        self.received += len(resp.content)
        if resp.status_code != 206 or len(resp.content) != end - start:
            raise RangeError(
                f"the server did not return bytes {start}-{end - 1} of {path} "
                f"(HTTP {resp.status_code})",
                hint="use --download to fetch files whole",
            )
        return resp.content

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


class _Sparse:
    """A local file of the remote file's size, holes where nothing was fetched."""

    def __init__(self, dest: Path, size: int) -> None:
        self.fh = open(dest, "wb")  # noqa: SIM115 - closed by lay_out_headers
        self.fh.truncate(size)

    def put(self, offset: int, data: bytes) -> None:
        self.fh.seek(offset)
        self.fh.write(data)


def lay_out_headers(reader: RangeReader, path: str, size: int, dest: Path) -> bool:
    """Fetch the ranges that judge ``path`` into a sparse ``dest``; False when its format
    is not judged from ranges (the caller fetches it whole).

    Raises:
        RangeError: when a range request fails.
    """
    head = reader.get(path, 0, min(size, _HEAD))
    sparse = _Sparse(dest, size)
    try:
        sparse.put(0, head)
        if head.startswith(b"GGUF"):
            return _gguf(reader, path, size, head, sparse)
        if head.startswith(b"PK\x03\x04"):
            return _zip(reader, path, size, sparse)
        if len(head) >= 9 and head[8:9] == b"{":
            return _safetensors(reader, path, size, head, sparse)
        return False
    finally:
        sparse.fh.close()


def _safetensors(reader: RangeReader, path: str, size: int, head: bytes, out: _Sparse) -> bool:
    (n,) = struct.unpack_from("<Q", head)
    if n > _MAX_SAFETENSORS_HEADER or 8 + n > size:
        return True  # the scanner refuses the header length from the first 8 bytes
    if 8 + n > len(head):
        out.put(len(head), reader.get(path, len(head), 8 + n))
    return True


def _gguf(reader: RangeReader, path: str, size: int, head: bytes, out: _Sparse) -> bool:
    data = head
    while gguf_header_end(data) is None:
        if len(data) >= min(size, _MAX_HEADER):
            return len(data) >= size
        more = reader.get(path, len(data), min(size, _MAX_HEADER, 4 * len(data)))
        out.put(len(data), more)
        data += more
    return True


def gguf_header_end(data: bytes) -> int | None:
    """Where a GGUF file's tensor table ends, or None when ``data`` stops before that.

    Only sizes are read; the scanner judges the values.
    """
    try:
        pos = 4
        (version,) = struct.unpack_from("<I", data, pos)
        count = "<I" if version == 1 else "<Q"
        width = struct.calcsize(count)
        (n_tensors,) = struct.unpack_from(count, data, pos + 4)
        (n_kv,) = struct.unpack_from(count, data, pos + 4 + width)
        pos += 4 + 2 * width
        for _ in range(n_kv):
            pos = _skip_string(data, pos, width)
            (vtype,) = struct.unpack_from("<I", data, pos)
            pos = _skip_value(data, pos + 4, vtype, width)
        for _ in range(n_tensors):
            pos = _skip_string(data, pos, width)
            (dims,) = struct.unpack_from("<I", data, pos)
            pos += 4 + dims * 8 + 4 + 8
            if pos > len(data):
                return None
        return pos
    except (struct.error, _Short):
        return None
    except _Unknown:
        return len(data)  # the scanner reports the unknown type from what is here


class _Short(Exception):
    """The data stops inside the header."""


class _Unknown(Exception):
    """A value type GGUF does not define: nothing further can be sized."""


_FIXED = {0: 1, 1: 1, 7: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 10: 8, 11: 8, 12: 8}


def _skip_string(data: bytes, pos: int, width: int) -> int:
    (n,) = struct.unpack_from("<I" if width == 4 else "<Q", data, pos)
    pos += width + n
    if pos > len(data):
        raise _Short
    return pos


def _skip_value(data: bytes, pos: int, vtype: int, width: int) -> int:
    if vtype in _FIXED:
        return pos + _FIXED[vtype]
    if vtype == 8:
        return _skip_string(data, pos, width)
    if vtype != 9:
        raise _Unknown
    (etype,) = struct.unpack_from("<I", data, pos)
    (count,) = struct.unpack_from("<I" if width == 4 else "<Q", data, pos + 4)
    pos += 4 + width
    if etype in _FIXED:
        pos += count * _FIXED[etype]
        if pos > len(data):
            raise _Short
        return pos
    for _ in range(count):
        pos = _skip_value(data, pos, etype, width)
    return pos


def _zip(reader: RangeReader, path: str, size: int, out: _Sparse) -> bool:
    start = max(0, size - _TAIL)
    tail = reader.get(path, start, size)
    out.put(start, tail)
    eocd = tail.rfind(b"PK\x05\x06")
    if eocd < 0:
        return True  # the scanner reports the missing end record
    count, cd_size, cd_offset = _end_record(tail, eocd)
    if count is None:
        return False
    if cd_offset < start:
        out.put(cd_offset, reader.get(path, cd_offset, min(start, cd_offset + cd_size)))
    directory = _read(out, cd_offset, cd_size)
    members = _central(directory)
    torch = any(name == "data.pkl" or name.endswith("/data.pkl") for name, *_ in members)
    if not torch:
        return False  # npz, .keras: the scanner reads every member, so fetch it whole
    wanted: list[tuple[int, int]] = []
    for name, lho, csize, nlen in members:
        storage = "/data/" in f"/{name}" and name.rsplit("/", 1)[-1].isdigit()
        header_end = lho + 30 + nlen + _LOCAL_PAD
        wanted.append((lho, min(size, header_end if storage else header_end + csize)))
    for lo, hi in _merged(wanted):
        out.put(lo, reader.get(path, lo, hi))
    return True


def _end_record(tail: bytes, eocd: int) -> tuple[int | None, int, int]:
    count, cd_size, cd_offset = struct.unpack_from("<HII", tail, eocd + 10)
    if 0xFFFFFFFF in (cd_size, cd_offset) or count == 0xFFFF:
        loc = tail.rfind(b"PK\x06\x07", 0, eocd)
        rec = tail.rfind(b"PK\x06\x06", 0, eocd)
        if loc < 0 or rec < 0:
            return None, 0, 0
        count, cd_size, cd_offset = struct.unpack_from("<QQQ", tail, rec + 32)
    return count, cd_size, cd_offset


def _read(out: _Sparse, offset: int, length: int) -> bytes:
    out.fh.flush()
    with open(out.fh.name, "rb") as fh:
        fh.seek(offset)
        return fh.read(length)


def _central(directory: bytes) -> list[tuple[str, int, int, int]]:
    """(name, local header offset, compressed size, name length) of each entry."""
    out = []
    pos = 0
    while directory.startswith(b"PK\x01\x02", pos) and pos + 46 <= len(directory):
        csize, usize, nlen, xlen, clen = struct.unpack_from("<IIHHH", directory, pos + 20)
        (lho,) = struct.unpack_from("<I", directory, pos + 42)
        name = directory[pos + 46 : pos + 46 + nlen].decode("utf-8", "replace")
        extra = directory[pos + 46 + nlen : pos + 46 + nlen + xlen]
        csize, lho = _zip64_sizes(extra, usize, csize, lho)
        out.append((name, lho, csize, nlen))
        pos += 46 + nlen + xlen + clen
    return out


def _zip64_sizes(extra: bytes, usize: int, csize: int, lho: int) -> tuple[int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 1:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, pos + 4))
            if usize == 0xFFFFFFFF and values:
                values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if lho == 0xFFFFFFFF and values:
                lho = values.pop(0)
        pos += 4 + length
    return csize, lho


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + _MERGE_GAP:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
