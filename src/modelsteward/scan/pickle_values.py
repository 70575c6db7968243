"""Symbolic values the pickle interpreter pushes: nothing here is ever imported or called."""

from __future__ import annotations

from modelsteward._records import Frozen, Value, field

_BIG = 4096


class Ref(Frozen):
    """A global the pickle names (``GLOBAL``, ``STACK_GLOBAL``, ``INST``, ``EXT*``)."""

    module: str
    name: str
    offset: int

    @property
    def qualname(self) -> str:
        """``module.name``."""
        return f"{self.module}.{self.name}"


class Obj(Value):
    """What a call of ``func`` with ``args`` would return; ``state`` is set by ``BUILD``."""

    func: object
    args: tuple[object, ...]
    offset: int
    state: object = None


class SymDict(Value):
    """A dict built by the pickle, as ordered pairs (keys may be unhashable symbols)."""

    items: list[tuple[object, object]] = field(default_factory=list)

    def get(self, key: str) -> object:
        """The last value stored under the constant ``key``, or None."""
        for k, v in reversed(self.items):
            if k == key:
                return v
        return None


class SymSet(Value):
    """A set or frozenset built by the pickle."""

    items: list[object] = field(default_factory=list)
    frozen: bool = False


class Blob(Frozen):
    """A bytes constant too large to keep: only its place in the stream."""

    start: int
    length: int


class Persistent(Frozen):
    """What ``persistent_load(pid)`` returns (how torch refers to tensor storages)."""

    pid: object


class OutOfBand(Frozen):
    """A ``NEXT_BUFFER`` out-of-band buffer."""

    index: int


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
