"""Static analysis of Python source that ``trust_remote_code=True`` would import.

Call targets are resolved through the file's own import aliases (``import subprocess as sp``
then ``sp.run`` is ``subprocess.run``); nothing is imported or executed.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from dataclasses import dataclass

from modelsteward.findings import Severity


class CodeRisk(enum.StrEnum):
    """What a call in remote code can do; the suffix of ``scan.hf.remote-code-<risk>``."""

    EXEC = "exec"
    NETWORK = "network"
    DYNAMIC = "dynamic"
    FILE_WRITE = "file-write"


SEVERITY = {
    CodeRisk.EXEC: Severity.CRITICAL,
    CodeRisk.NETWORK: Severity.HIGH,
    CodeRisk.DYNAMIC: Severity.HIGH,
    CodeRisk.FILE_WRITE: Severity.MEDIUM,
}

_EXACT: dict[str, CodeRisk] = {
    "eval": CodeRisk.EXEC,
    "exec": CodeRisk.EXEC,
    "compile": CodeRisk.EXEC,
    "breakpoint": CodeRisk.EXEC,
    "os.system": CodeRisk.EXEC,
    "os.popen": CodeRisk.EXEC,
    "os.fork": CodeRisk.EXEC,
    "os.forkpty": CodeRisk.EXEC,
    "pty.spawn": CodeRisk.EXEC,
    "commands.getoutput": CodeRisk.EXEC,
    "__import__": CodeRisk.DYNAMIC,
    "importlib.import_module": CodeRisk.DYNAMIC,
    "importlib.__import__": CodeRisk.DYNAMIC,
    "pickle.load": CodeRisk.DYNAMIC,
    "pickle.loads": CodeRisk.DYNAMIC,
    "marshal.load": CodeRisk.DYNAMIC,
    "marshal.loads": CodeRisk.DYNAMIC,
    "dill.load": CodeRisk.DYNAMIC,
    "dill.loads": CodeRisk.DYNAMIC,
    "cloudpickle.load": CodeRisk.DYNAMIC,
    "cloudpickle.loads": CodeRisk.DYNAMIC,
    "joblib.load": CodeRisk.DYNAMIC,
    "torch.load": CodeRisk.DYNAMIC,
    "numpy.load": CodeRisk.DYNAMIC,
    "os.remove": CodeRisk.FILE_WRITE,
    "os.unlink": CodeRisk.FILE_WRITE,
    "os.rmdir": CodeRisk.FILE_WRITE,
    "os.removedirs": CodeRisk.FILE_WRITE,
    "os.rename": CodeRisk.FILE_WRITE,
    "os.replace": CodeRisk.FILE_WRITE,
    "os.chmod": CodeRisk.FILE_WRITE,
    "os.chown": CodeRisk.FILE_WRITE,
    "os.symlink": CodeRisk.FILE_WRITE,
    "os.link": CodeRisk.FILE_WRITE,
    "os.truncate": CodeRisk.FILE_WRITE,
}
_PREFIXES: tuple[tuple[str, CodeRisk], ...] = (
    ("os.exec", CodeRisk.EXEC),
    ("os.spawn", CodeRisk.EXEC),
    ("os.posix_spawn", CodeRisk.EXEC),
    ("subprocess.", CodeRisk.EXEC),
    ("ctypes.", CodeRisk.EXEC),
    ("cffi.", CodeRisk.EXEC),
    ("runpy.", CodeRisk.EXEC),
    ("code.", CodeRisk.EXEC),
    ("socket.", CodeRisk.NETWORK),
    ("urllib.request.", CodeRisk.NETWORK),
    ("urllib3.", CodeRisk.NETWORK),
    ("requests.", CodeRisk.NETWORK),
    ("httpx.", CodeRisk.NETWORK),
    ("http.client.", CodeRisk.NETWORK),
    ("aiohttp.", CodeRisk.NETWORK),
    ("ftplib.", CodeRisk.NETWORK),
    ("smtplib.", CodeRisk.NETWORK),
    ("telnetlib.", CodeRisk.NETWORK),
    ("paramiko.", CodeRisk.NETWORK),
    ("importlib.util.", CodeRisk.DYNAMIC),
    ("importlib.machinery.", CodeRisk.DYNAMIC),
    ("shutil.rmtree", CodeRisk.FILE_WRITE),
    ("shutil.move", CodeRisk.FILE_WRITE),
    ("shutil.copy", CodeRisk.FILE_WRITE),
)
_RISKY_IMPORTS: dict[str, CodeRisk] = {
    "subprocess": CodeRisk.EXEC,
    "pty": CodeRisk.EXEC,
    "ctypes": CodeRisk.EXEC,
    "socket": CodeRisk.NETWORK,
    "requests": CodeRisk.NETWORK,
    "httpx": CodeRisk.NETWORK,
    "urllib3": CodeRisk.NETWORK,
    "marshal": CodeRisk.DYNAMIC,
}
_WRITE_METHODS = frozenset({"write_text", "write_bytes", "unlink", "rmdir", "symlink_to"})


@dataclass(frozen=True, slots=True)
class CodeHit:
    """One risky construct in a Python file."""

    risk: CodeRisk
    target: str
    line: int
    at_import: bool
    """True when it runs as soon as the module is imported (module level)."""


def relative_imports(tree: ast.Module) -> list[str]:
    """Sibling module names imported with ``from .name import ...`` (what transformers fetches)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.append(node.module.split(".")[0])
    return out


def analyse_python(tree: ast.Module) -> Iterator[CodeHit]:
    """Yield risky calls and imports in ``tree``."""
    aliases = _aliases(tree)
    for node, at_import in _walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield from _import_hits(node, at_import)
        elif isinstance(node, ast.Call):
            hit = _call_hit(node, aliases, at_import)
            if hit is not None:
                yield hit


def _walk(tree: ast.Module) -> Iterator[tuple[ast.AST, bool]]:
    stack: list[tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, top = stack.pop()
        yield node, top
        inner = top and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _aliases(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                out[name.asname or name.name.split(".")[0]] = (
                    name.name if name.asname else name.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for name in node.names:
                out[name.asname or name.name] = f"{node.module}.{name.name}"
    return out


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _call_hit(node: ast.Call, aliases: dict[str, str], at_import: bool) -> CodeHit | None:
    dotted = _dotted(node.func)
    if dotted is None:
        if isinstance(node.func, ast.Attribute) and node.func.attr in _WRITE_METHODS:
            return CodeHit(CodeRisk.FILE_WRITE, f".{node.func.attr}()", node.lineno, at_import)
        return None
    head, _, rest = dotted.partition(".")
    resolved = aliases.get(head, head) + (f".{rest}" if rest else "")
    risk = _EXACT.get(resolved)
    if risk is None:
        risk = next((r for p, r in _PREFIXES if resolved.startswith(p)), None)
    if risk is None and resolved in ("open", "io.open", "builtins.open") and _writes(node):
        risk = CodeRisk.FILE_WRITE
    if risk is None and isinstance(node.func, ast.Attribute):
        if node.func.attr in _WRITE_METHODS:
            risk = CodeRisk.FILE_WRITE
    if risk is None:
        return None
    if resolved == "torch.load" and _weights_only(node):
        return None
    return CodeHit(risk, resolved, node.lineno, at_import)


def _writes(node: ast.Call) -> bool:
    mode: ast.expr | None = node.args[1] if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "mode":
            mode = kw.value
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return True


def _weights_only(node: ast.Call) -> bool:
    return any(
        kw.arg == "weights_only" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in node.keywords
    )


def _import_hits(node: ast.Import | ast.ImportFrom, at_import: bool) -> Iterator[CodeHit]:
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    if isinstance(node, ast.ImportFrom) and node.level:
        return
    for name in names:
        risk = _RISKY_IMPORTS.get(name.split(".")[0])
        if risk is not None:
            yield CodeHit(risk, f"import {name}", node.lineno, at_import)
