"""A tiny pickle opcode writer, so demo and test files are built byte by byte, never by
pickling live objects (which would import what the payload names)."""

from __future__ import annotations

import struct


class PickleWriter:
    """Appends protocol-2 opcodes; ``finish()`` returns the stream."""

    def __init__(self, protocol: int = 2) -> None:
        self._out = bytearray(b"\x80" + bytes([protocol]))

    def raw(self, data: bytes) -> PickleWriter:
        """Append raw bytes."""
        self._out += data
        return self

    def global_(self, module: str, name: str) -> PickleWriter:
        """GLOBAL: push ``module.name``."""
        self._out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
        return self

    def mark(self) -> PickleWriter:
        """MARK."""
        self._out += b"("
        return self

    def tuple_(self) -> PickleWriter:
        """TUPLE from the last mark."""
        self._out += b"t"
        return self

    def empty_tuple(self) -> PickleWriter:
        """EMPTY_TUPLE."""
        self._out += b")"
        return self

    def empty_dict(self) -> PickleWriter:
        """EMPTY_DICT."""
        self._out += b"}"
        return self

    def reduce(self) -> PickleWriter:
        """REDUCE: call the callable under the argument tuple."""
        self._out += b"R"
        return self

    def setitem(self) -> PickleWriter:
        """SETITEM."""
        self._out += b"s"
        return self

    def unicode(self, text: str) -> PickleWriter:
        """BINUNICODE."""
        data = text.encode("utf-8")
        self._out += b"X" + struct.pack("<I", len(data)) + data
        return self

    def int_(self, value: int) -> PickleWriter:
        """BININT."""
        self._out += b"J" + struct.pack("<i", value)
        return self

    def false(self) -> PickleWriter:
        """NEWFALSE."""
        self._out += b"\x89"
        return self

    def binpersid(self) -> PickleWriter:
        """BINPERSID: the top of the stack is a persistent id."""
        self._out += b"Q"
        return self

    def finish(self) -> bytes:
        """STOP, and the stream."""
        return bytes(self._out + b".")


def torch_state_dict_pickle(
    tensors: dict[str, tuple[int, ...]], *, trojan: str | None = None
) -> bytes:
    """The ``data.pkl`` that ``torch.save`` writes for a float32 state dict.

    Each tensor ``name -> shape`` gets storage key ``str(i)``. With ``trojan``, one more entry
    whose value is ``posix.system(trojan)``: the call a malicious checkpoint makes on load.
    """
    w = PickleWriter()
    w.global_("collections", "OrderedDict").empty_tuple().reduce()
    for i, (name, shape) in enumerate(tensors.items()):
        numel = 1
        for dim in shape:
            numel *= dim
        w.unicode(name)
        w.global_("torch._utils", "_rebuild_tensor_v2").mark()
        w.mark().unicode("storage").global_("torch", "FloatStorage").unicode(str(i))
        w.unicode("cpu").int_(numel).tuple_().binpersid()
        w.int_(0)
        w.mark()
        for dim in shape:
            w.int_(dim)
        w.tuple_()
        w.mark()
        stride = 1
        strides = []
        for dim in reversed(shape):
            strides.append(stride)
            stride *= dim
        for s in reversed(strides):
            w.int_(s)
        w.tuple_()
        w.false()
        w.global_("collections", "OrderedDict").empty_tuple().reduce()
        w.tuple_().reduce().setitem()
    if trojan is not None:
        w.unicode("_metadata_hook")
        w.global_("posix", "system").mark().unicode(trojan).tuple_().reduce().setitem()
    return w.finish()
