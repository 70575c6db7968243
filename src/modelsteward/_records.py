"""Value-class bases that behave like ``@dataclass(slots=True)`` classes without importing
``dataclasses`` (which imports ``inspect``, ``ast`` and ``tokenize``), so that the ``scan``
command starts quickly.

A subclass declares its fields as a dataclass does, with annotations and defaults
(``field(default_factory=...)`` for a mutable default); ``kw_only=True`` in the class
statement makes every parameter keyword-only. The metaclass turns the fields into
``__slots__`` and records them in ``_fields`` and ``__match_args__``. ``__init__`` is
generated, like the dataclass one, on the class's first instantiation, so that a class
nobody instantiates costs nothing. The bases supply the rest of what the dataclass decorator
would generate: ``__eq__`` (same class, equal fields), ``__repr__`` (``Name(field=value,
...)``) and, for :class:`Frozen`, ``__hash__``, the ``FrozenInstanceError`` on assignment,
and ``__getstate__``/``__setstate__`` for pickling. :class:`Value` compares by identity,
like ``@dataclass(eq=False)``. A class that sets ``__slots__`` itself is left as written.
"""

from __future__ import annotations

__all__ = ["Frozen", "Record", "Value", "field"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self, TypeVar, dataclass_transform

    _T = TypeVar("_T")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls


_REPRS: set[int] = set()


def _frozen_error(verb: str, name: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(f"cannot {verb} field {name!r}")


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], _T]) -> _T:
    """A field whose default is ``default_factory()``, called for each instance."""
    return _Factory(default_factory)  # type: ignore[return-value]


class _Meta(type):
    """Turns annotated class attributes into slotted fields (see the module docstring)."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], ns: dict[str, object], kw_only: bool = False
    ) -> _Meta:
        if "__slots__" in ns:
            return super().__new__(mcs, name, bases, ns)
        fields: tuple[str, ...] = tuple(ns.get("__annotations__", ()))  # type: ignore[arg-type]
        defaults = {key: ns.pop(key) for key in fields if key in ns}
        ns["__slots__"] = ns["_fields"] = fields
        ns["__match_args__"] = () if kw_only else fields
        ns["_defaults"] = defaults
        ns["_kw_only"] = kw_only
        ns.setdefault("__init__", _first_init)
        return super().__new__(mcs, name, bases, ns)


def _first_init(self: _Base, *args: object, **kwargs: object) -> None:
    cls = self.__class__
    cls.__init__ = init = _make_init(cls)  # type: ignore[method-assign]
    init(self, *args, **kwargs)


def _make_init(cls: type[_Base]) -> Callable[..., None]:
    """Compile the ``__init__`` a dataclass would have for ``cls``'s fields."""
    frozen = issubclass(cls, Frozen)
    params, body = [], []
    env: dict[str, object] = {"_set": object.__setattr__}
    for name in cls._fields:
        value = name
        if name not in cls._defaults:
            params.append(name)
        else:
            default = env[f"_dflt_{name}"] = cls._defaults[name]
            params.append(f"{name}=_dflt_{name}")
            if isinstance(default, _Factory):  # the factory itself marks "not given"
                env[f"_make_{name}"] = default.make
                value = f"_make_{name}() if {name} is _dflt_{name} else {name}"
        body.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    star = "*, " if cls._kw_only and params else ""
    source = f"def __init__(self, {star}{', '.join(params)}):\n " + "\n ".join(body or ["pass"])
    exec(source, env)  # noqa: S102  # the source is built from identifiers only
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    return init  # type: ignore[return-value]


class _Base(metaclass=_Meta):
    """What the three bases share."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    """The field names in order (also the ``__slots__``)."""
    _defaults: dict[str, object] = {}  # noqa: RUF012
    _kw_only = False

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def _replace(self, **changes: object) -> Self:
        """A copy with ``changes`` applied, like ``dataclasses.replace``."""
        values = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        return self.__class__(**values)

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


@dataclass_transform(field_specifiers=(field,))
class Value(_Base):
    """Base of value classes compared by identity: like ``@dataclass(eq=False, slots=True)``."""

    __slots__ = ()


def _equal(self: _Base, other: object) -> bool:
    """Equal when of the same class with equal fields (``NotImplemented`` for others)."""
    if other.__class__ is self.__class__:
        assert isinstance(other, _Base)
        return self._values() == other._values()
    return NotImplemented  # type: ignore[no-any-return]  # mypy exempts __eq__ methods only


@dataclass_transform(field_specifiers=(field,))
class Record(_Base):
    """Base of mutable value classes: like ``@dataclass(slots=True)`` (unhashable)."""

    __slots__ = ()

    __eq__ = _equal

    __hash__ = None  # type: ignore[assignment]


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Frozen(_Base):
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
