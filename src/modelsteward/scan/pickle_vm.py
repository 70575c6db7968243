"""A symbolic pickle interpreter: protocols 0-5, exact stack, mark and memo semantics.

It follows CPython's ``_pickle`` unpickler (the one ``torch.load`` and ``joblib.load`` use):
a flat stack with a mark stack, ``POP`` that pops a mark when the frame is empty, memo
indices that ``PUT``/``MEMOIZE`` set and ``GET`` reads. Nothing is ever imported or called:
globals become :class:`Ref` values and calls become :class:`Obj` values, and every event
that matters for safety is reported to a :class:`Sink`.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import struct
import time

from modelsteward._records import Frozen, Record
from modelsteward.scan.pickle_values import (
    _BIG,
    Blob,
    Obj,
    OutOfBand,
    Persistent,
    Ref,
    SymDict,
    SymSet,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol, overload

    class Sink(Protocol):
        """Receives what the interpreter sees."""

        def on_global(self, ref: Ref, *, dynamic: bool = False) -> None:
            """A global was resolved (``dynamic``: its name was not a constant string)."""

        def on_call(self, func: object, args: tuple[object, ...], offset: int, opcode: str) -> None:
            """``func`` would be called with ``args`` (REDUCE, NEWOBJ, OBJ, INST...)."""

        def on_build(self, target: object, state: object, offset: int) -> None:
            """``BUILD`` would set ``state`` on ``target``."""

        def on_mutate(self, target: object, offset: int, opcode: str) -> None:
            """An item would be stored into ``target`` that is not a plain container."""

        def on_extension(self, code: int, offset: int) -> None:
            """An ``EXT*`` opcode names a global through the copyreg registry."""

        def on_nested(self, start: int, end: int) -> None:
            """A nested pickle stream (joblib object array) occupies ``[start, end)``."""

        def on_exhaustion(self, what: str, offset: int) -> None:
            """Loading would make the real unpickler allocate ``what`` (memory exhaustion)."""

    class Buffer(Protocol):
        """What the interpreter reads: ``bytes`` or ``mmap``."""

        def find(self, sub: bytes, start: int = ..., end: int = ...) -> int: ...
        def rfind(self, sub: bytes, start: int = ..., end: int = ...) -> int: ...
        @overload
        def __getitem__(self, key: int) -> int: ...
        @overload
        def __getitem__(self, key: slice) -> bytes: ...
        def __getitem__(self, key: int | slice) -> int | bytes: ...


HIGHEST_PROTOCOL = 5
_CHECK_EVERY = 4096
HUGE_READ = 1 << 26
"""A declared length past the end of the data and over this many bytes: CPython allocates it
before finding out that the data is short (``BINBYTES`` into a fresh buffer, ``read(n)`` on a
file)."""
HUGE_MEMO = 1 << 24
"""A memo index over this (and over the stream's length, which no real pickle's memo
reaches): CPython's C unpickler grows its memo array to twice the index, 16 bytes per slot."""
_STOP = ord(".")


class PickleFormatError(Exception):
    """The stream is not a pickle CPython would load; ``offset`` is where it broke."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class BudgetExceeded(Exception):
    """The opcode or time budget ran out."""


class Limits(Frozen):
    """How much one stream may cost."""

    max_ops: int
    deadline: float
    """``time.monotonic()`` value after which interpretation stops."""


class Outcome(Record):
    """Where the stream ended and what its protocol was."""

    end: int
    protocol: int
    value: object


class Machine:
    """Interprets one pickle stream in ``buf[start:end]``."""

    def __init__(self, buf: Buffer, start: int, end: int, sink: Sink, limits: Limits) -> None:
        self.buf = buf
        self.pos = start
        self.start = start
        self.end = end
        self.sink = sink
        self.limits = limits
        self.stack: list[object] = []
        self.marks: list[int] = []
        self.memo: dict[int, object] = {}
        self.proto = 0
        self.op_at = start
        self.ops = 0
        self.nested_depth = 0
        self.frame_end = -1
        """Where the current FRAME's buffer ends (-1: no frame is being read)."""
        self.lossy = False
        """Read frames as CPython's C unpickler does from a file object without ``peek``
        (``torch.load`` of a zip: ``io.BytesIO``): an argument that does not fit in what is
        left of the frame is read from after the frame, and the rest of the frame is lost."""
        self.straddle_at = -1
        """Offset of the first opcode argument that crossed the end of its frame."""

    # -- reading ---------------------------------------------------------------------------
    def fail(self, message: str) -> PickleFormatError:
        """An error at the current opcode."""
        return PickleFormatError(message, self.op_at)

    def span(self, n: int, *, into: bool = False) -> int:
        """Consume ``n`` bytes and return where they start, following FRAME buffering.

        ``into``: the bytes are read the way CPython reads ``BINBYTES`` and ``BYTEARRAY8``
        (into a buffer of the declared size: the rest of the frame, then the file).
        """
        pos = self.pos
        fe = self.frame_end
        if fe > pos and pos + n > fe:
            self.crossed(pos)
            if self.lossy and not into:
                pos = fe
            self.frame_end = -1
        if n < 0 or pos + n > self.end:
            if n >= HUGE_READ:
                self.sink.on_exhaustion(f"{n} bytes declared, {self.end - pos} present", pos)
            raise self.fail("pickle data was truncated")
        self.pos = pos + n
        return pos

    def crossed(self, pos: int) -> None:
        """Note that an argument at ``pos`` crosses the end of its frame."""
        if self.straddle_at < 0:
            self.straddle_at = pos

    def read(self, n: int) -> bytes:
        """``n`` bytes, or a truncation error."""
        start = self.span(n)
        return self.buf[start : start + n]

    def skip(self, n: int, *, into: bool = True) -> int:
        """Skip ``n`` bytes; return where they started."""
        return self.span(n, into=into)

    def readline(self) -> bytes:
        """A newline-terminated argument, without the newline."""
        nl = self.buf.find(b"\n", self.pos, self.end)
        fe = self.frame_end
        if fe > self.pos and not self.pos <= nl < fe:
            self.crossed(self.pos)
            if self.lossy:
                self.pos = fe
                nl = self.buf.find(b"\n", self.pos, self.end)
            self.frame_end = -1
        if nl < 0:
            raise self.fail("pickle data was truncated")
        data = self.buf[self.pos : nl]
        self.pos = nl + 1
        return data

    def uint(self, n: int) -> int:
        """A little-endian unsigned integer of ``n`` bytes."""
        if n == 1:
            if self.pos >= self.end:
                raise self.fail("pickle data was truncated")
            self.pos += 1
            return self.buf[self.pos - 1]
        return int.from_bytes(self.read(n), "little")

    # -- stack -----------------------------------------------------------------------------
    @property
    def fence(self) -> int:
        """Items below the fence belong to an outer mark."""
        return self.marks[-1] if self.marks else 0

    def push(self, value: object) -> None:
        """Push a value."""
        self.stack.append(value)

    def pop(self) -> object:
        """Pop one value above the fence."""
        if len(self.stack) <= self.fence:
            raise self.fail("unpickling stack underflow")
        return self.stack.pop()

    def top(self) -> object:
        """The value on top, above the fence."""
        if len(self.stack) <= self.fence:
            raise self.fail("unpickling stack underflow")
        return self.stack[-1]

    def pop_mark(self) -> list[object]:
        """The items pushed since the last MARK, which is removed."""
        if not self.marks:
            raise self.fail("could not find MARK")
        k = self.marks.pop()
        items = self.stack[k:]
        del self.stack[k:]
        return items

    # -- running ---------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Interpret until STOP.

        Raises:
            PickleFormatError: when CPython would refuse the stream.
            BudgetExceeded: when the op or time budget runs out.
        """
        from modelsteward.scan.pickle_ops import TABLE

        buf = self.buf
        while True:
            pos = self.op_at = self.pos
            if pos >= self.end:
                raise self.fail("pickle data was truncated")
            code = buf[pos]
            self.pos = pos + 1
            self.ops += 1
            if not self.ops % _CHECK_EVERY:
                self.check_budget()
            if code == _STOP:
                value = self.pop()
                return Outcome(end=self.pos, protocol=self.proto, value=value)
            handler: Callable[[Machine], None] | None = TABLE[code]
            if handler is None:
                raise self.fail(f"invalid load key, {bytes([code])!r}")
            handler(self)

    def check_budget(self) -> None:
        """Stop when the op or time budget is spent."""
        if self.ops > self.limits.max_ops:
            raise BudgetExceeded(f"more than {self.limits.max_ops} pickle opcodes")
        if time.monotonic() > self.limits.deadline:
            raise BudgetExceeded("the time budget for this file ran out")

    # -- helpers used by opcode handlers --------------------------------------------------
    def resolve(self, module: str, name: str, *, dynamic: bool = False) -> Ref:
        """Map protocol 0-2 names as CPython's ``fix_imports`` does, and report the global."""
        if self.proto < 3:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        ref = Ref(module, name, self.op_at)
        self.sink.on_global(ref, dynamic=dynamic)
        return ref

    def call(self, func: object, args: tuple[object, ...], opcode: str) -> Obj:
        """Report a call and return its symbolic result."""
        self.sink.on_call(func, args, self.op_at, opcode)
        return Obj(func, args, self.op_at)

    def bytes_value(self, n: int, *, into: bool = False) -> bytes | Blob:
        """Read ``n`` bytes as a constant (large ones are kept by position only);
        ``into`` as for :meth:`span`."""
        start = self.span(n, into=into)
        if n > _BIG:
            return Blob(start, n)
        return self.buf[start : start + n]

    def text_line(self) -> str:
        """A text-protocol argument line decoded as UTF-8."""
        try:
            return self.readline().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail("text argument is not UTF-8") from exc


def decode_string_literal(line: bytes, fail: Callable[[str], Exception]) -> str:
    """Decode a protocol-0 ``STRING`` argument (a quoted, escaped literal)."""
    if len(line) >= 2 and line[0] == line[-1] and line[:1] in (b"'", b'"'):
        raw, _ = codecs.escape_decode(line[1:-1])
        return raw.decode("latin-1")
    raise fail("the STRING opcode argument must be quoted")


def unpack(fmt: str, data: bytes) -> tuple[object, ...]:
    """``struct.unpack`` returning a tuple of objects."""
    return tuple(struct.unpack(fmt, data))


__all__ = [
    "HIGHEST_PROTOCOL",
    "Blob",
    "BudgetExceeded",
    "Limits",
    "Machine",
    "Obj",
    "OutOfBand",
    "Outcome",
    "Persistent",
    "PickleFormatError",
    "Ref",
    "SymDict",
    "SymSet",
]
