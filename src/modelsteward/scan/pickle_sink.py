"""Turns what the pickle interpreter sees into findings, by the tiered allowlist."""

from __future__ import annotations

from modelsteward._records import Frozen, Record, field
from modelsteward.findings import Finding, Location, Severity
from modelsteward.scan.allowlist import Judgement, Verdict, judge
from modelsteward.scan.pickle_values import Blob, Obj, Persistent, Ref, SymDict, render

NESTED_LOADERS = frozenset(
    {"pickle.loads", "_pickle.loads", "cPickle.loads", "dill.loads", "cloudpickle.loads",
     "pickle._loads", "torch.storage._load_from_bytes", "numpy.loads"}
)  # fmt: skip
"""Callables that unpickle their first argument: the bytes are scanned as a nested pickle."""

_EXT_MODULE = "copyreg._extension_registry"
_FROM_STATE = frozenset({"NEWOBJ", "NEWOBJ_EX"})
"""Opcodes that build an instance with ``cls.__new__`` and never run ``__init__``."""
_REFS = ("https://docs.python.org/3/library/pickle.html#restricting-globals",)


class Where(Frozen):
    """Where a stream lies: the displayed path, the archive member, and the stream's origin."""

    path: str
    member: str | None = None
    origin: int = 0
    """Buffer offset of the member's first byte (offsets in findings are relative to it)."""
    context: str = ""
    """Prefix for messages about nested streams."""

    def at(self, offset: int) -> Location:
        """The location of a buffer offset."""
        return Location(path=self.path, member=self.member, offset=max(0, offset - self.origin))


class FindingSink(Record):
    """Collects findings for one stream (and its nested streams)."""

    where: Where
    allow: frozenset[str]
    findings: list[Finding] = field(default_factory=list)
    nested: list[tuple[bytes, int, str]] = field(default_factory=list)
    """Constant byte strings passed to an unpickler: (data, offset, loader)."""
    exhausted: bool = False
    """A resource-exhaustion finding was recorded (one per stream is enough)."""
    _uncalled: dict[str, Ref] = field(default_factory=dict)
    _judged: dict[str, Judgement] = field(default_factory=dict)

    def judge(self, ref: Ref) -> Judgement:
        """The (cached) verdict on ``ref``."""
        found = self._judged.get(ref.qualname)
        if found is None:
            found = judge(ref.module, ref.name, self.allow)
            self._judged[ref.qualname] = found
        return found

    def add(self, rule: str, severity: Severity, message: str, offset: int, evidence: str) -> None:
        """Record one finding."""
        self.findings.append(
            Finding(
                rule_id=rule,
                severity=severity,
                message=self.where.context + message,
                location=self.where.at(offset),
                evidence=evidence,
                refs=_REFS,
            )
        )

    # -- Sink ------------------------------------------------------------------------------
    def on_global(self, ref: Ref, *, dynamic: bool = False) -> None:
        if dynamic:
            self.add(
                "scan.pickle.dynamic-global",
                Severity.CRITICAL,
                "The pickle imports a global whose name is computed at load time "
                f"({ref.module}.{ref.name}); it cannot be verified.",
                ref.offset,
                ref.qualname,
            )
            return
        if self.judge(ref).verdict is not Verdict.ALLOWED:
            self._uncalled.setdefault(ref.qualname, ref)

    def on_call(self, func: object, args: tuple[object, ...], offset: int, opcode: str) -> None:
        if isinstance(func, Ref):
            if func.module == _EXT_MODULE:
                return
            self._call_global(func, args, offset, opcode)
        elif isinstance(func, (Obj, Persistent)):
            self.add(
                "scan.pickle.indirect-call",
                Severity.CRITICAL,
                f"The pickle calls the result of {render(func)} ({opcode}); what runs "
                "cannot be known before loading.",
                offset,
                render(func, 80),
            )
        else:
            self.add(
                "scan.pickle.indirect-call",
                Severity.HIGH,
                f"The pickle calls a non-callable constant {render(func)} ({opcode}).",
                offset,
                render(func, 80),
            )

    def _call_global(self, func: Ref, args: tuple[object, ...], offset: int, opcode: str) -> None:
        verdict = self.judge(func)
        call = f"{func.qualname}({', '.join(render(a, 200) for a in args)})"
        if verdict.verdict is Verdict.ALLOWED:
            huge = huge_allocation(func.qualname, args)
            if huge:
                self.on_exhaustion(f"{huge} through {call}", offset)
            if func.qualname == "copyreg._reconstructor" and len(args) >= 2:
                base = args[1]
                # _reconstructor(cls, base, state) runs base.__init__(obj, state).
                if isinstance(base, Ref) and base.qualname != "builtins.object":
                    self._call_global(base, args[2:3], offset, "REDUCE")
            if verdict.state_only and opcode not in _FROM_STATE:
                self.add(
                    "scan.pickle.unverified-global",
                    Severity.HIGH,
                    f"Loading this pickle calls {call} ({opcode}), which runs its __init__; "
                    "the class is trusted only when rebuilt from state.",
                    offset,
                    func.qualname,
                )
            return
        self._uncalled.pop(func.qualname, None)
        if verdict.verdict is Verdict.DANGEROUS:
            what = verdict.danger
            self.add(
                "scan.pickle.unsafe-global",
                Severity.CRITICAL,
                f"Loading this pickle calls {call}, which {what}.",
                offset,
                func.qualname,
            )
        else:
            self.add(
                "scan.pickle.unverified-global",
                Severity.HIGH,
                f"Loading this pickle calls {call}, which is on no allowlist.",
                offset,
                func.qualname,
            )
        if func.qualname in NESTED_LOADERS and args:
            data = _constant_bytes(args[0])
            if data is not None:
                self.nested.append((data, offset, func.qualname))

    def on_build(self, target: object, state: object, offset: int) -> None:
        if isinstance(target, Ref):
            self.add(
                "scan.pickle.unsafe-build",
                Severity.CRITICAL,
                f"BUILD sets attributes on the global {target.qualname} itself "
                f"(state {render(state)}), which can replace its code.",
                offset,
                target.qualname,
            )
            return
        if isinstance(target, Obj) and isinstance(target.func, Ref):
            if self.judge(target.func).verdict is not Verdict.ALLOWED:
                return
            dunders = _dunder_keys(state)
            if dunders:
                self.add(
                    "scan.pickle.unsafe-build",
                    Severity.HIGH,
                    f"BUILD on a {target.func.qualname} object sets the special "
                    f"attribute(s) {', '.join(dunders)}.",
                    offset,
                    ", ".join(dunders),
                )
        elif isinstance(target, Obj):
            self.add(
                "scan.pickle.unsafe-build",
                Severity.HIGH,
                f"BUILD targets an object of unknown type ({render(target)}).",
                offset,
                render(target, 80),
            )

    def on_mutate(self, target: object, offset: int, opcode: str) -> None:
        if isinstance(target, Ref):
            self.add(
                "scan.pickle.unsafe-build",
                Severity.CRITICAL,
                f"{opcode} stores items into the global {target.qualname} itself.",
                offset,
                target.qualname,
            )
        elif isinstance(target, Obj) and isinstance(target.func, Ref):
            return  # the object's own class decides; an unlisted class was reported already
        elif not isinstance(target, (list, SymDict)):
            self.add(
                "scan.pickle.unsafe-build",
                Severity.HIGH,
                f"{opcode} stores items into {render(target)}, which is not a container.",
                offset,
                render(target, 80),
            )

    def on_extension(self, code: int, offset: int) -> None:
        self.add(
            "scan.pickle.extension-code",
            Severity.HIGH,
            f"The pickle names a global by copyreg extension code {code}, which depends "
            "on the loading process's registry and cannot be verified.",
            offset,
            f"EXT {code}",
        )

    def on_nested(self, start: int, end: int) -> None:
        return

    def on_exhaustion(self, what: str, offset: int) -> None:
        if self.exhausted:
            return
        self.exhausted = True
        self.add(
            "scan.pickle.resource-exhaustion",
            Severity.HIGH,
            f"Loading this pickle makes the unpickler allocate {what}: the loading process "
            "runs out of memory before any check of the data.",
            offset,
            what,
        )

    def finish(self) -> None:
        """Report globals that were imported but never called."""
        for ref in self._uncalled.values():
            verdict = self.judge(ref)
            if verdict.verdict is Verdict.DANGEROUS:
                self.add(
                    "scan.pickle.unsafe-global",
                    Severity.CRITICAL,
                    f"The pickle imports {ref.qualname}, which {verdict.danger}.",
                    ref.offset,
                    ref.qualname,
                )
            else:
                self.add(
                    "scan.pickle.unverified-global",
                    Severity.HIGH,
                    f"The pickle imports {ref.qualname}, which is on no allowlist.",
                    ref.offset,
                    ref.qualname,
                )
        self._uncalled.clear()


HUGE_ITEMS = 1 << 26
"""Items (or bytes) an allowed constructor may be asked to make before the call is judged an
attempt to exhaust memory: no model file builds a 64-million-element container by a call."""
_SIZED = frozenset({"builtins.bytearray", "builtins.bytes"})
_FROM_ITERABLE = frozenset(
    {"builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset",
     "builtins.bytearray", "builtins.bytes", "builtins.dict", "collections.deque",
     "collections.Counter", "collections.OrderedDict"}
)  # fmt: skip


def huge_allocation(qualname: str, args: tuple[object, ...]) -> str:
    """What an allowed call would allocate, when it is enough to exhaust memory; else ""."""
    if not args:
        return ""
    first = args[0]
    if qualname in _SIZED and type(first) is int and first > HUGE_ITEMS:
        return f"{first} bytes"
    if qualname in _FROM_ITERABLE and _range_length(first) > HUGE_ITEMS:
        return f"{_range_length(first)} items"
    if qualname == "numpy.ndarray" and isinstance(first, tuple):
        count = 1
        for dim in first:
            if type(dim) is not int or dim < 0:
                return ""
            count *= dim
        if count > HUGE_ITEMS:
            return f"an array of {count} elements"
    return ""


def _range_length(value: object) -> int:
    if not (isinstance(value, Obj) and isinstance(value.func, Ref)):
        return 0
    if value.func.qualname != "builtins.range":
        return 0
    bounds = [a for a in value.args if type(a) is int]
    if len(bounds) != len(value.args) or not 1 <= len(bounds) <= 3:
        return 0
    try:
        return len(range(*bounds))
    except (ValueError, OverflowError):
        return 1 << 62


def _constant_bytes(value: object) -> bytes | None:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("latin-1", "replace")
    if isinstance(value, Obj) and isinstance(value.func, Ref):
        if value.func.qualname == "_codecs.encode" and value.args:
            first = value.args[0]
            if isinstance(first, str):
                return first.encode("latin-1", "replace")
    return None


def _dunder_keys(state: object) -> list[str]:
    dicts = [state] if isinstance(state, SymDict) else []
    if isinstance(state, tuple) and len(state) == 2:
        dicts = [s for s in state if isinstance(s, SymDict)]
    keys = []
    for d in dicts:
        for key, _ in d.items:
            if isinstance(key, str) and key.startswith("__") and key.endswith("__"):
                keys.append(key)
    return keys


__all__ = ["Blob", "FindingSink", "Where"]
