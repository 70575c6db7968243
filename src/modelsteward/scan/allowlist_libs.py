"""The library tier: classes of well-known libraries that a pickle may reconstruct, each group
with the reason it cannot run code from the data it is given (``data/library_allowlist.json``).

Two ways of building an object appear in pickles. ``NEWOBJ`` (protocol 2+) and
``copyreg._reconstructor`` (protocols 0-1) make an instance with ``cls.__new__`` and hand the
state to ``__setstate__`` or to the instance ``__dict__``; ``REDUCE``, ``INST`` and ``OBJ``
call the class with arguments, which runs ``__init__``. A group marked ``state`` is trusted
only the first way: its ``__init__`` does more than store values (reads files, sets up
devices) and a pickle that calls it with arguments stays unverified. A group marked ``call``
may also be called: its constructor only stores what it is given, or looks a member up by
value (enums).

Every value inside the state is judged on its own: a callable stored in a module's hooks or
an estimator's ``func`` is a global of its own and must pass the allowlist itself.
"""

from __future__ import annotations

import enum
import json
from functools import cache
from importlib.resources import files

from modelsteward._records import Frozen


class Construction(enum.Enum):
    """How a listed class may be built from a pickle."""

    STATE = "state"
    """Only from state, without ``__init__`` (``NEWOBJ``, ``copyreg._reconstructor``)."""
    CALL = "call"
    """Also by calling it with arguments."""


class LibraryGroup(Frozen):
    """Classes trusted for one reason."""

    reason: str
    """Why constructing these from pickled data cannot run code."""
    construction: Construction
    names: tuple[str, ...]
    """``module.qualname`` as pickles spell them."""


@cache
def groups() -> tuple[LibraryGroup, ...]:
    """The library tier, by reason (read once from the packaged table)."""
    raw = json.loads(
        files("modelsteward.scan").joinpath("data/library_allowlist.json").read_text("utf-8")
    )
    out = []
    for group in raw["groups"]:
        names = tuple(f"{mod}.{n}" for mod, listed in group["names"].items() for n in listed)
        out.append(LibraryGroup(group["reason"], Construction(group["construction"]), names))
    return tuple(out)


@cache
def library() -> dict[str, Construction]:
    """``module.name`` to how it may be built."""
    return {name: g.construction for g in groups() for name in g.names}


def reason_for(qualname: str) -> str | None:
    """Why ``qualname`` is trusted, or None when no library group lists it."""
    for group in groups():
        if qualname in group.names:
            return group.reason
    return None
