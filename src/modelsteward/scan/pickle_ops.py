"""One handler per pickle opcode, as CPython's ``_pickle`` unpickler executes it (symbolically)."""

from __future__ import annotations

from collections.abc import Callable

from modelsteward.scan.pickle_consts import CONSTANT_OPS
from modelsteward.scan.pickle_joblib import after_build
from modelsteward.scan.pickle_vm import (
    HIGHEST_PROTOCOL,
    HUGE_MEMO,
    Machine,
    Obj,
    Persistent,
    Ref,
    SymDict,
    SymSet,
)

Handler = Callable[[Machine], None]
DISPATCH: dict[bytes, Handler] = dict(CONSTANT_OPS)


def _op(code: bytes) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        DISPATCH[code] = fn
        return fn

    return register


# -- framing and control ------------------------------------------------------------------
@_op(b"\x80")
def _proto(m: Machine) -> None:
    proto = m.uint(1)
    if proto > HIGHEST_PROTOCOL:
        raise m.fail(f"unsupported pickle protocol: {proto}")
    m.proto = proto


@_op(b"\x95")
def _frame(m: Machine) -> None:
    size = m.uint(8)
    fe = m.frame_end
    if fe > m.pos:
        if m.pos + size <= fe:
            return  # CPython finds it in the current buffer and rewinds: nothing changes
        m.crossed(m.pos)
        if m.lossy:
            m.pos = fe
    if m.pos + size > m.end:
        raise m.fail("pickle frame is larger than the data")
    m.frame_end = m.pos + size


@_op(b"(")
def _mark(m: Machine) -> None:
    m.marks.append(len(m.stack))


@_op(b"0")
def _pop(m: Machine) -> None:
    if m.marks and m.marks[-1] == len(m.stack):
        m.marks.pop()
    else:
        m.pop()


@_op(b"1")
def _pop_mark(m: Machine) -> None:
    m.pop_mark()


@_op(b"2")
def _dup(m: Machine) -> None:
    m.stack.append(m.top())


# -- containers ----------------------------------------------------------------------------
@_op(b"]")
def _empty_list(m: Machine) -> None:
    m.stack.append([])


@_op(b"}")
def _empty_dict(m: Machine) -> None:
    m.stack.append(SymDict())


@_op(b")")
def _empty_tuple(m: Machine) -> None:
    m.stack.append(())


@_op(b"\x8f")
def _empty_set(m: Machine) -> None:
    m.stack.append(SymSet())


@_op(b"l")
def _list(m: Machine) -> None:
    m.stack.append(m.pop_mark())


@_op(b"t")
def _tuple(m: Machine) -> None:
    m.stack.append(tuple(m.pop_mark()))


def _tuple_n(n: int) -> Handler:
    def handler(m: Machine) -> None:
        items = [m.pop() for _ in range(n)]
        m.stack.append(tuple(reversed(items)))

    return handler


DISPATCH[b"\x85"] = _tuple_n(1)
DISPATCH[b"\x86"] = _tuple_n(2)
DISPATCH[b"\x87"] = _tuple_n(3)


@_op(b"d")
def _dict(m: Machine) -> None:
    items = m.pop_mark()
    if len(items) % 2:
        raise m.fail("odd number of items for DICT")
    m.stack.append(SymDict(list(zip(items[::2], items[1::2], strict=True))))


@_op(b"\x91")
def _frozenset(m: Machine) -> None:
    m.stack.append(SymSet(m.pop_mark(), frozen=True))


def _store(m: Machine, target: object, pairs: list[tuple[object, object]], op: str) -> None:
    if isinstance(target, SymDict):
        target.items.extend(pairs)
    else:
        m.sink.on_mutate(target, m.op_at, op)


@_op(b"s")
def _setitem(m: Machine) -> None:
    value = m.pop()
    key = m.pop()
    _store(m, m.top(), [(key, value)], "SETITEM")


@_op(b"u")
def _setitems(m: Machine) -> None:
    items = m.pop_mark()
    if len(items) % 2:
        raise m.fail("odd number of items for SETITEMS")
    _store(m, m.top(), list(zip(items[::2], items[1::2], strict=True)), "SETITEMS")


def _extend(m: Machine, target: object, items: list[object], op: str) -> None:
    if isinstance(target, list):
        target.extend(items)
    elif isinstance(target, SymSet) and op == "ADDITEMS" and not target.frozen:
        target.items.extend(items)
    else:
        m.sink.on_mutate(target, m.op_at, op)


@_op(b"a")
def _append(m: Machine) -> None:
    value = m.pop()
    _extend(m, m.top(), [value], "APPEND")


@_op(b"e")
def _appends(m: Machine) -> None:
    items = m.pop_mark()
    _extend(m, m.top(), items, "APPENDS")


@_op(b"\x90")
def _additems(m: Machine) -> None:
    items = m.pop_mark()
    _extend(m, m.top(), items, "ADDITEMS")


# -- memo ----------------------------------------------------------------------------------
def _put(m: Machine, index: int) -> None:
    if index < 0:
        raise m.fail("negative PUT argument")
    if index > HUGE_MEMO and index > m.end - m.start:
        m.sink.on_exhaustion(f"a memo array of {2 * index} slots (index {index})", m.op_at)
    m.memo[index] = m.top()


def _get(m: Machine, index: int) -> None:
    if index not in m.memo:
        raise m.fail(f"memo value not found at index {index}")
    m.stack.append(m.memo[index])


def _text_index(m: Machine) -> int:
    try:
        return int(m.readline())
    except ValueError as exc:
        raise m.fail("invalid memo index") from exc


DISPATCH[b"p"] = lambda m: _put(m, _text_index(m))
DISPATCH[b"q"] = lambda m: _put(m, m.uint(1))
DISPATCH[b"r"] = lambda m: _put(m, m.uint(4))
DISPATCH[b"\x94"] = lambda m: _put(m, len(m.memo))
DISPATCH[b"g"] = lambda m: _get(m, _text_index(m))
DISPATCH[b"h"] = lambda m: _get(m, m.uint(1))
DISPATCH[b"j"] = lambda m: _get(m, m.uint(4))


# -- globals and calls ---------------------------------------------------------------------
@_op(b"c")
def _global(m: Machine) -> None:
    module = m.text_line()
    name = m.text_line()
    m.stack.append(m.resolve(module, name))


@_op(b"\x93")
def _stack_global(m: Machine) -> None:
    name = m.pop()
    module = m.pop()
    if type(module) is str and type(name) is str:
        m.stack.append(m.resolve(module, name))
        return
    # CPython refuses non-str operands, but a call's result is a str at load time.
    # A global's attribute can hold a str at load time (set earlier by BUILD).
    symbolic = (Obj, Persistent, Ref)
    if isinstance(module, symbolic) or isinstance(name, symbolic):
        shown_module = module if isinstance(module, str) else "<computed>"
        shown_name = name if isinstance(name, str) else "<computed>"
        m.stack.append(m.resolve(shown_module, shown_name, dynamic=True))
        return
    raise m.fail("STACK_GLOBAL requires str")


@_op(b"i")
def _inst(m: Machine) -> None:
    module = m.text_line()
    name = m.text_line()
    args = tuple(m.pop_mark())
    m.stack.append(m.call(m.resolve(module, name), args, "INST"))


@_op(b"o")
def _obj(m: Machine) -> None:
    items = m.pop_mark()
    if not items:
        raise m.fail("OBJ without a class")
    m.stack.append(m.call(items[0], tuple(items[1:]), "OBJ"))


@_op(b"R")
def _reduce(m: Machine) -> None:
    args = m.pop()
    func = m.pop()
    m.stack.append(m.call(func, args if isinstance(args, tuple) else (args,), "REDUCE"))


@_op(b"\x81")
def _newobj(m: Machine) -> None:
    args = m.pop()
    cls = m.pop()
    m.stack.append(m.call(cls, args if isinstance(args, tuple) else (args,), "NEWOBJ"))


@_op(b"\x92")
def _newobj_ex(m: Machine) -> None:
    kwargs = m.pop()
    args = m.pop()
    cls = m.pop()
    positional = args if isinstance(args, tuple) else (args,)
    m.stack.append(m.call(cls, (*positional, kwargs), "NEWOBJ_EX"))


@_op(b"b")
def _build(m: Machine) -> None:
    state = m.pop()
    target = m.top()
    m.sink.on_build(target, state, m.op_at)
    if isinstance(target, Obj):
        target.state = state
        after_build(m, target)


def _persid(m: Machine) -> None:
    try:
        pid = m.readline().decode("ascii")
    except UnicodeDecodeError as exc:
        raise m.fail("persistent IDs in protocol 0 must be ASCII strings") from exc
    m.stack.append(Persistent(pid))


def _binpersid(m: Machine) -> None:
    pid = m.pop()
    if isinstance(pid, tuple) and len(pid) >= 2 and pid[0] == "module":
        if isinstance(pid[1], Ref):
            # Legacy torch.save of a whole module: torch's persistent_load returns the class
            # itself (pid[1]), so what is called next is that class, judged as a global.
            m.stack.append(pid[1])
            return
    m.stack.append(Persistent(pid))


DISPATCH[b"P"] = _persid
DISPATCH[b"Q"] = _binpersid


def _ext(m: Machine, width: int) -> None:
    code = m.uint(width)
    if code <= 0:
        raise m.fail("EXT specifies code <= 0")
    m.sink.on_extension(code, m.op_at)
    m.stack.append(Ref("copyreg._extension_registry", str(code), m.op_at))


DISPATCH[b"\x82"] = lambda m: _ext(m, 1)
DISPATCH[b"\x83"] = lambda m: _ext(m, 2)
DISPATCH[b"\x84"] = lambda m: _ext(m, 4)

TABLE: list[Handler | None] = [DISPATCH.get(bytes([i])) for i in range(256)]
"""The dispatch table indexed by opcode byte."""

__all__ = ["DISPATCH", "TABLE", "Ref"]
