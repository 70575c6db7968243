"""Symbolic values the pickle interpreter pushes: nothing here is ever imported or called."""

from __future__ import annotations

from modelsteward._records import Frozen, Value

_BIG = 4096
_set = object.__setattr__


class Ref(Frozen):
    """A global the pickle names (``GLOBAL``, ``STACK_GLOBAL``, ``INST``, ``EXT*``)."""

    _fields = ("module", "name", "offset")
    __slots__ = _fields
    __match_args__ = ("module", "name", "offset")

    module: str
    name: str
    offset: int

    def __init__(self, module: str, name: str, offset: int) -> None:
        _set(self, "module", module)
        _set(self, "name", name)
        _set(self, "offset", offset)

    @property
    def qualname(self) -> str:
        """``module.name``."""
        return f"{self.module}.{self.name}"


class Obj(Value):
    """What a call of ``func`` with ``args`` would return; ``state`` is set by ``BUILD``."""

    _fields = ("func", "args", "offset", "state")
    __slots__ = _fields
    __match_args__ = ("func", "args", "offset", "state")

    func: object
    args: tuple[object, ...]
    offset: int
    state: object

    def __init__(
        self, func: object, args: tuple[object, ...], offset: int, state: object = None
    ) -> None:
        self.func = func
        self.args = args
        self.offset = offset
        self.state = state


class SymDict(Value):
    """A dict built by the pickle, as ordered pairs (keys may be unhashable symbols)."""

    _fields = ("items",)
    __slots__ = _fields
    __match_args__ = ("items",)

    items: list[tuple[object, object]]

    def __init__(self, items: list[tuple[object, object]] | None = None) -> None:
        self.items = [] if items is None else items

    def get(self, key: str) -> object:
        """The last value stored under the constant ``key``, or None."""
        for k, v in reversed(self.items):
            if k == key:
                return v
        return None


class SymSet(Value):
    """A set or frozenset built by the pickle."""

    _fields = ("items", "frozen")
    __slots__ = _fields
    __match_args__ = ("items", "frozen")

    items: list[object]
    frozen: bool

    def __init__(self, items: list[object] | None = None, frozen: bool = False) -> None:
        self.items = [] if items is None else items
        self.frozen = frozen


class Blob(Frozen):
    """A bytes constant too large to keep: only its place in the stream."""

    _fields = ("start", "length")
    __slots__ = _fields
    __match_args__ = ("start", "length")

    start: int
    length: int

    def __init__(self, start: int, length: int) -> None:
        _set(self, "start", start)
        _set(self, "length", length)


class Persistent(Frozen):
    """What ``persistent_load(pid)`` returns (how torch refers to tensor storages)."""

    _fields = ("pid",)
    __slots__ = _fields
    __match_args__ = ("pid",)

    pid: object

    def __init__(self, pid: object) -> None:
        _set(self, "pid", pid)


class OutOfBand(Frozen):
    """A ``NEXT_BUFFER`` out-of-band buffer."""

    _fields = ("index",)
    __slots__ = _fields
    __match_args__ = ("index",)

    index: int

    def __init__(self, index: int) -> None:
        _set(self, "index", index)


def render(value: object, budget: int = 160) -> str:
    """A short, Python-like rendering of a symbolic value for messages."""
    text = _render(value, depth=0)
    return text if len(text) <= budget else text[: budget - 3] + "..."


def _render(value: object, depth: int) -> str:
    if depth > 4:
        return "..."
    if isinstance(value, Ref):
        return value.qualname
    if isinstance(value, Obj):
        inner = ", ".join(_render(a, depth + 1) for a in value.args)
        return f"{_render(value.func, depth + 1)}({inner})"
    if isinstance(value, tuple):
        inner = ", ".join(_render(v, depth + 1) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v, depth + 1) for v in value[:8]) + "]"
    if isinstance(value, SymDict):
        pairs = (f"{_render(k, depth + 1)}: {_render(v, depth + 1)}" for k, v in value.items[:8])
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, SymSet):
        return "{" + ", ".join(_render(v, depth + 1) for v in value.items[:8]) + "}"
    if isinstance(value, Blob):
        return f"<{value.length} bytes>"
    if isinstance(value, Persistent):
        return f"persistent_load({_render(value.pid, depth + 1)})"
    if isinstance(value, OutOfBand):
        return f"<buffer {value.index}>"
    if isinstance(value, (bytes, bytearray)) and len(value) > 64:
        return repr(bytes(value[:61])) + "..."
    return repr(value)


def keep_bytes(data: bytes, start: int) -> bytes | Blob:
    """Keep small byte strings; replace large ones with their place in the stream."""
    return data if len(data) <= _BIG else Blob(start, len(data))
