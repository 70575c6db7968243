"""The known-dangerous pickle targets: what each can do, for a precise message.

This table never lets a global through (the allowlist in ``allowlist.py`` decides that); it
only turns "on no allowlist" (high) into "runs a shell command" (critical).
"""

from __future__ import annotations

_DANGEROUS_MODULES: tuple[tuple[str, str], ...] = (
    ("os", "runs commands or touches files and the process"),
    ("posix", "runs commands or touches files and the process"),
    ("nt", "runs commands or touches files and the process"),
    ("subprocess", "starts a process"),
    ("_posixsubprocess", "starts a process"),
    ("pty", "spawns a shell"),
    ("commands", "runs a shell command"),
    ("popen2", "starts a process"),
    ("platform", "runs commands to inspect the host"),
    ("multiprocessing", "starts processes"),
    ("asyncio", "starts processes or opens sockets"),
    ("shutil", "copies, moves or deletes files"),
    ("tempfile", "creates files"),
    ("pathlib", "reads or writes files"),
    ("io", "opens files"),
    ("_io", "opens files"),
    ("fileinput", "reads files"),
    ("glob", "lists files"),
    ("zipfile", "reads or writes archives"),
    ("tarfile", "extracts archives"),
    ("socket", "opens a network connection"),
    ("_socket", "opens a network connection"),
    ("ssl", "opens a network connection"),
    ("http", "makes an HTTP request"),
    ("urllib", "makes an HTTP request"),
    ("urllib2", "makes an HTTP request"),
    ("requests", "makes an HTTP request"),
    ("httpx", "makes an HTTP request"),
    ("aiohttp", "makes an HTTP request"),
    ("ftplib", "opens an FTP connection"),
    ("smtplib", "sends mail"),
    ("telnetlib", "opens a network connection"),
    ("webbrowser", "opens a browser"),
    ("importlib", "imports arbitrary code"),
    ("imp", "imports arbitrary code"),
    ("pkgutil", "imports arbitrary code"),
    ("zipimport", "imports arbitrary code"),
    ("runpy", "runs a Python module"),
    ("code", "evaluates Python code"),
    ("codeop", "compiles Python code"),
    ("types", "builds code or function objects"),
    ("ctypes", "calls native code"),
    ("_ctypes", "calls native code"),
    ("cffi", "calls native code"),
    ("marshal", "loads code objects"),
    ("pickle", "starts a nested unpickler"),
    ("_pickle", "starts a nested unpickler"),
    ("cPickle", "starts a nested unpickler"),
    ("dill", "starts a nested unpickler"),
    ("cloudpickle", "starts a nested unpickler"),
    ("joblib", "loads a nested pickle"),
    ("shelve", "opens a pickle database"),
    ("pdb", "starts a debugger"),
    ("bdb", "starts a debugger"),
    ("trace", "runs code under a tracer"),
    ("cProfile", "runs code under a profiler"),
    ("profile", "runs code under a profiler"),
    ("timeit", "evaluates Python code"),
    ("doctest", "evaluates Python code"),
    ("sys", "changes the interpreter"),
    ("signal", "changes signal handling"),
    ("threading", "starts threads"),
    ("_thread", "starts threads"),
    ("site", "changes the import path"),
    ("sysconfig", "reads the environment"),
    ("operator", "reaches attributes or calls methods indirectly"),
    ("_operator", "reaches attributes or calls methods indirectly"),
    ("functools", "calls functions indirectly"),
    ("_functools", "calls functions indirectly"),
    ("builtins", "reaches the interpreter"),
    ("__builtin__", "reaches the interpreter"),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit", "loads TorchScript code"),
    ("torch.serialization", "loads a nested checkpoint"),
    ("torch._dynamo", "compiles and runs code"),
    ("torch._inductor", "compiles and runs code"),
    ("torch.utils.cpp_extension", "compiles and loads native code"),
    ("torch.distributed", "opens network connections"),
    ("numpy.testing", "evaluates Python code"),
    ("numpy.f2py", "compiles native code"),
    ("numpy.distutils", "runs build commands"),
    ("numpy.load", "loads a nested pickle"),
    ("numpy.lib.npyio", "loads a nested pickle"),
    ("keras", "loads a nested model"),
    ("tensorflow", "runs TensorFlow operations on files"),
    ("jinja2", "renders templates"),
    ("venv", "creates environments"),
    ("ensurepip", "installs packages"),
    ("pip", "installs packages"),
    ("setuptools", "runs build commands"),
    ("distutils", "runs build commands"),
    ("uuid", "runs commands to read the host"),
    ("xmlrpc", "opens a network connection"),
    ("logging", "writes files or opens sockets"),
    ("gc", "reaches every live object"),
    ("inspect", "reaches frames and code"),
    ("ast", "compiles Python code"),
    ("_interpreters", "runs Python source in a subinterpreter"),
    ("_xxsubinterpreters", "runs Python source in a subinterpreter"),
    ("idlelib", "runs Python code from an IDE helper"),
    ("lib2to3", "rewrites and writes Python files"),
    ("torch.utils.collect_env", "runs shell commands"),
    ("mlflow", "runs projects and entry points"),
    ("pandas.io", "reads files and URLs"),
    ("pydoc", "imports modules and opens a browser"),
    ("httplib", "makes an HTTP request"),
)

_SAFE_BUILTINS_ARE_NOT_DANGEROUS = frozenset(
    {"abs", "all", "any", "ascii", "bin", "callable", "chr", "divmod", "enumerate", "filter",
     "format", "hash", "hex", "id", "isinstance", "issubclass", "iter", "len", "map", "max",
     "min", "next", "oct", "ord", "pow", "repr", "reversed", "round", "sorted", "sum", "zip",
     "Exception", "ValueError", "TypeError", "KeyError", "RuntimeError"}
)  # fmt: skip
"""Builtins that cannot reach code on their own: unverified (high), not critical."""

_DANGER_EXACT: dict[str, str] = {
    "builtins.eval": "evaluates Python code",
    "builtins.exec": "executes Python code",
    "builtins.compile": "compiles Python code",
    "builtins.open": "opens a file",
    "builtins.__import__": "imports arbitrary code",
    "builtins.getattr": "reaches any attribute of an object",
    "builtins.setattr": "overwrites an attribute",
    "builtins.delattr": "deletes an attribute",
    "builtins.breakpoint": "starts a debugger",
    "builtins.input": "reads from the terminal",
    "builtins.apply": "calls a function indirectly",
    "builtins.execfile": "executes a Python file",
    "builtins.file": "opens a file",
    "os.system": "runs a shell command",
    "posix.system": "runs a shell command",
    "nt.system": "runs a shell command",
    "os.popen": "runs a shell command",
    "posix.popen": "runs a shell command",
    "nt.popen": "runs a shell command",
    "subprocess.Popen": "starts a process",
    "subprocess.run": "starts a process",
    "subprocess.call": "starts a process",
    "subprocess.check_call": "starts a process",
    "subprocess.check_output": "starts a process",
    "subprocess.getoutput": "runs a shell command",
    "subprocess.getstatusoutput": "runs a shell command",
}


def danger_of(qualname: str, module: str, name: str) -> str:
    """What calling ``module.name`` can do, or "" when it is not known to be dangerous."""
    exact = _DANGER_EXACT.get(qualname)
    if exact:
        return exact
    if any(part.startswith("__") and part.endswith("__") for part in name.split(".")):
        return "reaches interpreter internals through a dunder attribute"
    for prefix, what in _DANGEROUS_MODULES:
        if module == prefix or module.startswith(prefix + "."):
            if module in ("builtins", "__builtin__") and name in _SAFE_BUILTINS_ARE_NOT_DANGEROUS:
                return ""
            return what
    return ""
