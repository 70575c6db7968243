"""Read a zip's central directory the way torch's reader (miniz) does, and compare every
local header with it: Python's ``zipfile`` trusts the local header and refuses mismatches,
torch trusts the central directory, so a mismatch is how a payload hides from one of them."""

from __future__ import annotations

import struct

from modelsteward._records import Frozen, Record, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.scan.pickle_vm import Buffer


_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_LOC64 = b"PK\x06\x07"
_CEN = b"PK\x01\x02"
_LOC = b"PK\x03\x04"
_WINDOW = 65_557
_U32 = 0xFFFFFFFF
_U16 = 0xFFFF


class ZipFormatError(Exception):
    """The end record or central directory cannot be read."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class Member(Frozen):
    """One central-directory entry, with where its data lies (by the local header)."""

    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int
    data_offset: int
    problems: tuple[str, ...] = ()
    """How the local header disagrees with the central directory."""

    @property
    def data_end(self) -> int:
        """One past the member's last data byte."""
        return self.data_offset + self.compressed_size


class Directory(Record):
    """A parsed zip: its members and the archive-level problems."""

    members: list[Member] = field(default_factory=list)
    problems: list[tuple[str, int]] = field(default_factory=list)
    """Archive-level inconsistencies: (message, offset)."""
    cd_offset: int = 0
    prefix: int = 0
    """Bytes before the archive proper (a self-extractor stub or a hidden payload)."""


def read_directory(buf: Buffer, size: int, max_members: int) -> Directory:
    """Parse the end record(s) and the central directory of a zip of ``size`` bytes.

    Raises:
        ZipFormatError: when the end record or the directory cannot be read.
    """
    tail_start = max(0, size - _WINDOW)
    eocd = buf.find(_EOCD, tail_start, size)
    if eocd < 0:
        raise ZipFormatError("no end-of-central-directory record")
    last = buf.rfind(_EOCD, tail_start, size)
    out = Directory()
    if last != eocd:
        out.problems.append(("the archive has more than one end-of-central-directory record", last))
        eocd = last
    if eocd + 22 > size:
        raise ZipFormatError("truncated end-of-central-directory record", eocd)
    _, _, _, count_disk, count, cd_size, cd_offset, _ = struct.unpack(
        "<4sHHHHIIH", buf[eocd : eocd + 22]
    )
    if count_disk != count:
        out.problems.append(("the end record's entry counts disagree", eocd))
    zip64 = count == _U16 or cd_size == _U32 or cd_offset == _U32
    if zip64 or (eocd >= 20 and buf[eocd - 20 : eocd - 16] == _LOC64):
        count, cd_size, cd_offset, end_of_cd = _zip64_end(buf, eocd)
    else:
        end_of_cd = eocd
    out.prefix = end_of_cd - cd_size - cd_offset
    if out.prefix < 0:
        raise ZipFormatError("central directory offset points past its end record", eocd)
    if out.prefix:
        out.problems.append((f"{out.prefix} bytes precede the archive's declared start", 0))
    out.cd_offset = cd_offset + out.prefix
    if count > max_members:
        raise ZipFormatError(f"{count} members exceed the limit of {max_members}", eocd)
    pos = out.cd_offset
    while pos < end_of_cd and buf[pos : pos + 4] == _CEN:
        if len(out.members) >= max_members:
            raise ZipFormatError(f"more than {max_members} members", pos)
        member, pos = _central_entry(buf, pos, out.prefix, size)
        out.members.append(member)
    if len(out.members) != count:
        out.problems.append(
            (f"the end record declares {count} members, the directory holds "
             f"{len(out.members)}", eocd)
        )  # fmt: skip
    return out


def _zip64_end(buf: Buffer, eocd: int) -> tuple[int, int, int, int]:
    loc = eocd - 20
    if loc < 0 or buf[loc : loc + 4] != _LOC64:
        raise ZipFormatError("zip64 end locator is missing", eocd)
    (rec,) = struct.unpack("<Q", buf[loc + 8 : loc + 16])
    if buf[rec : rec + 4] != _EOCD64:
        # The record may sit just before the locator when a prefix shifted everything.
        rec = loc - 56
        if rec < 0 or buf[rec : rec + 4] != _EOCD64:
            raise ZipFormatError("zip64 end record is missing", loc)
    fields = struct.unpack("<4sQHHIIQQQQ", buf[rec : rec + 56])
    return fields[7], fields[8], fields[9], rec


def _central_entry(buf: Buffer, pos: int, prefix: int, size: int) -> tuple[Member, int]:
    head = buf[pos : pos + 46]
    if len(head) < 46:
        raise ZipFormatError("truncated central directory entry", pos)
    (_, _, _, flags, method, _, _, crc, csize, usize, nlen, xlen, clen, _, _, _, lho) = (
        struct.unpack("<4sHHHHHHIIIHHHHHII", head)
    )
    raw_name = buf[pos + 46 : pos + 46 + nlen]
    extra = buf[pos + 46 + nlen : pos + 46 + nlen + xlen]
    usize, csize, lho = _zip64_extra(extra, usize, csize, lho)
    name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
    lho += prefix
    member, problems = _local_header(buf, name, raw_name, lho, size)
    if member is None:
        raise ZipFormatError(f"member {name!r} has no local header at {lho}", pos)
    lflags, lmethod, lcrc, lcsize, lusize, data_offset = member
    if lmethod != method:
        problems.append(
            f"compression method {lmethod} in the local header, {method} in the directory"
        )
    if (lflags ^ flags) & 0x1:
        problems.append("encryption flags differ")
    if not flags & 0x8 and not lflags & 0x8:
        for what, local, central in (("CRC", lcrc, crc), ("compressed size", lcsize, csize),
                                     ("size", lusize, usize)):  # fmt: skip
            if local != central and local != _U32:
                problems.append(f"{what} {local} in the local header, {central} in the directory")
    entry = Member(
        name=name, method=method, flags=flags, crc=crc, compressed_size=csize, size=usize,
        header_offset=lho, data_offset=data_offset, problems=tuple(problems),
    )  # fmt: skip
    return entry, pos + 46 + nlen + xlen + clen


def _local_header(
    buf: Buffer, name: str, raw_name: bytes, lho: int, size: int
) -> tuple[tuple[int, int, int, int, int, int] | None, list[str]]:
    head = buf[lho : lho + 30]
    if len(head) < 30 or head[:4] != _LOC:
        return None, []
    (_, _, lflags, lmethod, _, _, lcrc, lcsize, lusize, lnlen, lxlen) = struct.unpack(
        "<4sHHHHHIIIHH", head
    )
    problems: list[str] = []
    local_name = buf[lho + 30 : lho + 30 + lnlen]
    if local_name != raw_name:
        shown = local_name.decode("utf-8", "replace")
        problems.append(f"the local header names {shown!r}, the directory {name!r}")
    data_offset = lho + 30 + lnlen + lxlen
    if data_offset > size:
        return None, []
    return (lflags, lmethod, lcrc, lcsize, lusize, data_offset), problems


def _zip64_extra(extra: bytes, usize: int, csize: int, lho: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack("<HH", extra[pos : pos + 4])
        body = extra[pos + 4 : pos + 4 + length]
        if tag == 1:
            values = [struct.unpack("<Q", body[i : i + 8])[0] for i in range(0, len(body) - 7, 8)]
            if usize == _U32 and values:
                usize = values.pop(0)
            if csize == _U32 and values:
                csize = values.pop(0)
            if lho == _U32 and values:
                lho = values.pop(0)
        pos += 4 + length
    return usize, csize, lho
