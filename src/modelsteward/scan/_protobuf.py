"""A minimal, bounds-checked protobuf wire-format reader (no schema, no allocation)."""

from __future__ import annotations

from collections.abc import Iterator


class ProtoError(Exception):
    """The bytes are not well-formed protobuf wire format."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Decode a varint at ``pos``; return (value, next position).

    Raises:
        ProtoError: when the varint runs past ``end`` or is longer than 10 bytes.
    """
    result = 0
    for shift in range(0, 70, 7):
        if pos >= end:
            raise ProtoError("truncated varint", pos)
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
    raise ProtoError("varint longer than 10 bytes", pos)


def fields(data: bytes, start: int, end: int) -> Iterator[tuple[int, int | tuple[int, int]]]:
    """Yield ``(field number, value)`` for each field in ``data[start:end]``.

    A varint or fixed-width value is an int; a length-delimited value is its ``(start, end)``
    span, checked to lie inside the message.

    Raises:
        ProtoError: on a field number 0, a group, an unknown wire type or any overrun.
    """
    pos = start
    while pos < end:
        at = pos
        key, pos = varint(data, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtoError("field number 0", at)
        if wire == 0:
            value, pos = varint(data, pos, end)
            yield number, value
        elif wire == 1 or wire == 5:
            width = 8 if wire == 1 else 4
            if pos + width > end:
                raise ProtoError("truncated fixed-width field", at)
            yield number, int.from_bytes(data[pos : pos + width], "little")
            pos += width
        elif wire == 2:
            length, pos = varint(data, pos, end)
            if length > end - pos:
                raise ProtoError(f"field {number} claims {length} bytes past its message", at)
            yield number, (pos, pos + length)
            pos += length
        else:
            raise ProtoError(f"unsupported wire type {wire} in field {number}", at)


def text(data: bytes, span: tuple[int, int]) -> str:
    """A string field's value; invalid UTF-8 is replaced rather than refused."""
    return data[span[0] : span[1]].decode("utf-8", errors="replace")
