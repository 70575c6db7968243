"""Value-class bases that behave like ``@dataclass(slots=True)`` classes without importing
``dataclasses`` (which imports ``inspect``, ``ast`` and ``tokenize``) or generating code at
import time, so that the ``scan`` command starts quickly.

A subclass lists its fields, in order, in ``_fields`` (also its ``__slots__``) and writes
its own ``__init__`` (through ``object.__setattr__`` for :class:`Frozen`). The bases supply
what the dataclass decorator would generate: ``__eq__`` (same class, equal fields),
``__repr__`` (``Name(field=value, ...)``) and, for :class:`Frozen`, ``__hash__``, the
``FrozenInstanceError`` on assignment, and ``__getstate__``/``__setstate__`` for pickling.
:class:`Value` compares by identity, like ``@dataclass(eq=False)``.
"""

from __future__ import annotations

__all__ = ["Frozen", "Record", "Value"]

_REPRS: set[int] = set()


def _frozen_error(verb: str, name: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(f"cannot {verb} field {name!r}")


class Value:
    """Base of value classes compared by identity: like ``@dataclass(eq=False, slots=True)``."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    """The field names in order (a subclass sets ``__slots__ = _fields``)."""

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __repr__(self) -> str:
        key = id(self)
        if key in _REPRS:
            return "..."  # a value that contains itself
        _REPRS.add(key)
        try:
            fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        finally:
            _REPRS.discard(key)
        return f"{self.__class__.__qualname__}({fields})"


def _equal(self: Value, other: object) -> bool:
    """Equal when of the same class with equal fields (``NotImplemented`` for others)."""
    if other.__class__ is self.__class__:
        assert isinstance(other, Value)
        return self._values() == other._values()
    return NotImplemented  # type: ignore[no-any-return]  # mypy exempts __eq__ methods only


class Record(Value):
    """Base of mutable value classes: like ``@dataclass(slots=True)`` (unhashable)."""

    __slots__ = ()

    __eq__ = _equal

    __hash__ = None  # type: ignore[assignment]


class Frozen(Value):
    """Base of immutable value classes: like ``@dataclass(frozen=True, slots=True)``."""

    __slots__ = ()

    __eq__ = _equal

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> None:
        raise _frozen_error("assign to", name)

    def __delattr__(self, name: str) -> None:
        raise _frozen_error("delete", name)

    def __getstate__(self) -> list[object]:
        return [getattr(self, name) for name in self._fields]

    def __setstate__(self, state: list[object]) -> None:
        for name, value in zip(self._fields, state, strict=False):
            object.__setattr__(self, name, value)
