"""Handlers of the opcodes that push constants (numbers, strings, bytes, buffers)."""

from __future__ import annotations

import struct
from collections.abc import Callable

from modelsteward.scan.pickle_vm import Blob, Machine, OutOfBand, decode_string_literal

Handler = Callable[[Machine], None]
CONSTANT_OPS: dict[bytes, Handler] = {}
"""Opcode byte -> handler, for the constant-pushing opcodes."""


def _op(code: bytes) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        CONSTANT_OPS[code] = fn
        return fn

    return register


# -- constants ------------------------------------------------------------------------------
@_op(b"N")
def _none(m: Machine) -> None:
    m.stack.append(None)


@_op(b"\x88")
def _true(m: Machine) -> None:
    m.stack.append(True)


@_op(b"\x89")
def _false(m: Machine) -> None:
    m.stack.append(False)


@_op(b"I")
def _int(m: Machine) -> None:
    line = m.readline()
    if line in (b"00", b"01"):
        m.stack.append(line == b"01")
        return
    try:
        m.stack.append(int(line))
    except ValueError as exc:
        raise m.fail("invalid INT argument") from exc


@_op(b"L")
def _long(m: Machine) -> None:
    line = m.readline()
    try:
        m.stack.append(int(line[:-1] if line.endswith(b"L") else line))
    except ValueError as exc:
        raise m.fail("invalid LONG argument") from exc


@_op(b"F")
def _float(m: Machine) -> None:
    try:
        m.stack.append(float(m.readline()))
    except ValueError as exc:
        raise m.fail("invalid FLOAT argument") from exc


@_op(b"J")
def _binint(m: Machine) -> None:
    m.stack.append(int.from_bytes(m.read(4), "little", signed=True))


@_op(b"K")
def _binint1(m: Machine) -> None:
    m.stack.append(m.uint(1))


@_op(b"M")
def _binint2(m: Machine) -> None:
    m.stack.append(m.uint(2))


@_op(b"G")
def _binfloat(m: Machine) -> None:
    m.stack.append(struct.unpack(">d", m.read(8))[0])


def _long_n(m: Machine, width: int) -> None:
    n = int.from_bytes(m.read(width), "little", signed=True)
    if n < 0:
        raise m.fail("LONG pickle has negative byte count")
    m.stack.append(
        int.from_bytes(m.read(n), "little", signed=True)
        if n <= 4096
        else Blob(m.skip(n, into=False), n)
    )


@_op(b"\x8a")
def _long1(m: Machine) -> None:
    _long_n(m, 1)


@_op(b"\x8b")
def _long4(m: Machine) -> None:
    _long_n(m, 4)


@_op(b"S")
def _string(m: Machine) -> None:
    m.stack.append(decode_string_literal(m.readline().rstrip(b"\r"), m.fail))


def _binstring(m: Machine, width: int, signed: bool) -> None:
    n = int.from_bytes(m.read(width), "little", signed=signed)
    if n < 0:
        raise m.fail("BINSTRING pickle has negative byte count")
    value = m.bytes_value(n)
    m.stack.append(value.decode("latin-1") if isinstance(value, bytes) else value)


@_op(b"T")
def _binstring4(m: Machine) -> None:
    _binstring(m, 4, True)


@_op(b"U")
def _short_binstring(m: Machine) -> None:
    _binstring(m, 1, False)


def _bytes(m: Machine, width: int) -> None:
    m.stack.append(m.bytes_value(m.uint(width), into=True))


@_op(b"B")
def _binbytes(m: Machine) -> None:
    _bytes(m, 4)


@_op(b"C")
def _short_binbytes(m: Machine) -> None:
    _bytes(m, 1)


@_op(b"\x8e")
def _binbytes8(m: Machine) -> None:
    _bytes(m, 8)


@_op(b"\x96")
def _bytearray8(m: Machine) -> None:
    value = m.bytes_value(m.uint(8), into=True)
    m.stack.append(bytearray(value) if isinstance(value, bytes) else value)


@_op(b"V")
def _unicode(m: Machine) -> None:
    try:
        m.stack.append(m.readline().decode("raw-unicode-escape"))
    except UnicodeDecodeError as exc:
        raise m.fail("invalid UNICODE argument") from exc


def _binunicode(m: Machine, width: int) -> None:
    n = m.uint(width)
    value = m.bytes_value(n)
    if isinstance(value, Blob):
        m.stack.append(value)
        return
    try:
        m.stack.append(value.decode("utf-8", "surrogatepass"))
    except UnicodeDecodeError as exc:
        raise m.fail("invalid UTF-8 in BINUNICODE") from exc


@_op(b"X")
def _binunicode4(m: Machine) -> None:
    _binunicode(m, 4)


@_op(b"\x8c")
def _short_binunicode(m: Machine) -> None:
    _binunicode(m, 1)


@_op(b"\x8d")
def _binunicode8(m: Machine) -> None:
    _binunicode(m, 8)


@_op(b"\x97")
def _next_buffer(m: Machine) -> None:
    m.stack.append(OutOfBand(m.op_at))


@_op(b"\x98")
def _readonly_buffer(m: Machine) -> None:
    m.top()
