"""joblib's in-stream arrays: after a ``NumpyArrayWrapper`` is built, ``joblib.load`` reads
the array's bytes (or a nested pickle, for object arrays) straight from the stream."""

from __future__ import annotations

import re

from modelsteward.scan.pickle_values import Obj, Ref, SymDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.scan.pickle_vm import Machine

WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_TYPESTR = re.compile(r"^[<>|=]?([a-zA-Z])(\d*)$")
_KIND_SIZES = {"b": 1, "?": 1, "e": 2, "f": 4, "d": 8, "g": 16, "h": 2, "i": 4, "l": 8, "q": 8}
_MAX_NESTED = 8


def after_build(m: Machine, target: Obj) -> None:
    """Skip (or interpret) the data joblib stores right after a wrapper's ``BUILD``."""
    if not (isinstance(target.func, Ref) and target.func.qualname == WRAPPER):
        return
    state = target.state
    if not isinstance(state, SymDict):
        raise m.fail("joblib array wrapper without a state dict")
    dtype = state.get("dtype")
    itemsize, has_object = _dtype_facts(dtype)
    if has_object:
        _nested(m)
        return
    if itemsize is None:
        raise m.fail("cannot size the joblib array: unknown dtype")
    count = _count(state.get("shape"))
    if count is None:
        raise m.fail("cannot size the joblib array: bad shape")
    if state.get("numpy_array_alignment_bytes") is not None:
        m.skip(m.uint(1))
    m.skip(count * itemsize)


def _nested(m: Machine) -> None:
    from modelsteward.scan.pickle_vm import Machine as _Machine

    if m.nested_depth >= _MAX_NESTED:
        raise m.fail("joblib object arrays nested too deeply")
    inner = _Machine(m.buf, m.pos, m.end, m.sink, m.limits)
    inner.nested_depth = m.nested_depth + 1
    inner.ops = m.ops
    inner.lossy = m.lossy
    start = m.pos
    outcome = inner.run()
    m.ops = inner.ops
    if inner.straddle_at >= 0:
        m.crossed(inner.straddle_at)
    m.sink.on_nested(start, outcome.end)
    m.pos = outcome.end


def _count(shape: object) -> int | None:
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        return None
    count = 1
    for dim in shape:
        count *= int(str(dim))
    return count


def _dtype_facts(dtype: object) -> tuple[int | None, bool]:
    """(itemsize, has_object) of a pickled ``numpy.dtype(typestr, False, True)``."""
    if not (isinstance(dtype, Obj) and isinstance(dtype.func, Ref)):
        return None, False
    if dtype.func.name != "dtype" or not dtype.args or not isinstance(dtype.args[0], str):
        return None, False
    typestr = dtype.args[0]
    if typestr.startswith("O"):
        return None, True
    state = dtype.state
    if isinstance(state, tuple) and len(state) >= 6:
        elsize = state[5]
        if type(elsize) is int and elsize > 0:
            return elsize, False
    match = _TYPESTR.match(typestr)
    if not match:
        return None, False
    kind, digits = match.group(1), match.group(2)
    if digits:
        size = int(digits)
        return (size * 4 if kind == "U" else size), False
    return _KIND_SIZES.get(kind), False
