"""Walk a Keras model config (v3 ``config.json`` or legacy ``model_config``) for code paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from modelsteward.findings import Severity

KERAS_PACKAGES = frozenset({"keras", "keras_hub", "keras_nlp", "keras_cv", "tf_keras"})
"""Top-level packages whose classes a Keras config may legitimately name."""

DANGEROUS_MODULES = frozenset(
    {
        "os", "posix", "nt", "subprocess", "builtins", "__builtin__", "sys", "shutil", "socket",
        "importlib", "runpy", "pickle", "marshal", "ctypes", "code", "codeop", "pty", "webbrowser",
        "urllib", "requests", "http", "ftplib", "telnetlib", "smtplib", "tempfile", "pathlib",
        "io", "multiprocessing", "threading", "asyncio", "signal", "types", "functools",
        "operator", "inspect", "pdb", "bdb", "cProfile", "profile", "timeit", "trace",
    }
)  # fmt: skip
"""Modules whose presence in a model config means process, file, network or import access."""

UNSAFE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "enable_unsafe_deserialization": ("CVE-2025-9906", "GHSA-36fq-jgmw-4r9c"),
    "set_global_attribute": ("CVE-2025-9906", "GHSA-36fq-jgmw-4r9c"),
    "load_model": ("CVE-2025-9906",),
    "load_weights": ("CVE-2025-9906",),
    "get_file": ("CVE-2025-8747",),
    "func_load": ("CVE-2024-3660",),
    "TFSMLayer": ("CVE-2026-1462",),
}
"""Functions (by name) that turn a config into a safe-mode bypass, with their advisories."""

_LAMBDA_REFS = ("CVE-2024-3660", "CVE-2025-9905")
_MODULE_REFS = ("CVE-2025-1550", "GHSA-48g7-3x6r-xfhp")
_MAX_NODES = 2_000_000
_MAX_DEPTH = 256


@dataclass(frozen=True, slots=True)
class ConfigHit:
    """One finding inside a config; ``rule`` is the suffix of ``scan.keras.<rule>``."""

    rule: str
    severity: Severity
    message: str
    evidence: str
    path: str
    refs: tuple[str, ...] = ()


def walk_config(config: Any) -> Iterator[ConfigHit]:
    """Yield every code path in ``config``; never raises for any JSON value."""
    stack: list[tuple[Any, str, int]] = [(config, "", 0)]
    visited = 0
    while stack and visited < _MAX_NODES:
        node, path, depth = stack.pop()
        visited += 1
        if depth > _MAX_DEPTH:
            continue
        if isinstance(node, dict):
            yield from _entry(node, path)
            items = list(node.items())
        elif isinstance(node, list):
            items = [(str(i), v) for i, v in enumerate(node)]
        else:
            continue
        for key, value in reversed(items):
            if isinstance(value, dict | list):
                stack.append((value, f"{path}/{key}", depth + 1))


def _entry(node: dict[str, Any], path: str) -> Iterator[ConfigHit]:
    cls = node.get("class_name")
    module = node.get("module")
    name = _layer_name(node)
    if cls == "Lambda":
        yield ConfigHit(
            "lambda-layer",
            Severity.CRITICAL,
            f"Lambda layer {name!r} runs Python when the model is loaded or called.",
            _lambda_evidence(node),
            path,
            _LAMBDA_REFS,
        )
    if isinstance(module, str) and module.split(".")[0] not in KERAS_PACKAGES:
        top = module.split(".")[0]
        yield ConfigHit(
            "foreign-module",
            Severity.CRITICAL if top in DANGEROUS_MODULES else Severity.HIGH,
            f"The config imports {module}.{cls} while loading.",
            f"{module}.{cls}",
            path,
            _MODULE_REFS,
        )
    target = _function_name(node)
    if target is not None and target.rsplit(".", 1)[-1] in UNSAFE_FUNCTIONS:
        short = target.rsplit(".", 1)[-1]
        rule = "external-savedmodel" if short == "TFSMLayer" else "unsafe-function"
        severity = Severity.HIGH if short == "TFSMLayer" else Severity.CRITICAL
        yield ConfigHit(
            rule, severity, f"The config uses {target}.", target, path, UNSAFE_FUNCTIONS[short]
        )
    registered = node.get("registered_name")
    if (
        isinstance(registered, str)
        and registered != cls
        and registered.split(">")[0].split(".")[0] not in KERAS_PACKAGES
        and not (isinstance(module, str) and module.split(".")[0] not in KERAS_PACKAGES)
    ):
        yield ConfigHit(
            "custom-object",
            Severity.MEDIUM,
            f"The config needs the custom object {registered!r}.",
            registered,
            path,
        )


def _layer_name(node: dict[str, Any]) -> str:
    config = node.get("config")
    if isinstance(config, dict) and isinstance(config.get("name"), str):
        return str(config["name"])
    return str(node.get("name", "?"))


def _lambda_evidence(node: dict[str, Any]) -> str:
    config = node.get("config")
    function = config.get("function") if isinstance(config, dict) else None
    if isinstance(function, list | str):
        return "marshalled bytecode (legacy format)"
    if isinstance(function, dict):
        if function.get("class_name") == "__lambda__":
            return "marshalled bytecode"
        target = _function_name(function)
        if target is not None:
            return target
    return "Lambda"


def _function_name(node: dict[str, Any]) -> str | None:
    cls = node.get("class_name")
    module = node.get("module")
    if cls == "function" and isinstance(node.get("config"), str):
        return f"{module}.{node['config']}" if isinstance(module, str) else str(node["config"])
    if cls == "TFSMLayer":
        return f"{module}.TFSMLayer" if isinstance(module, str) else "TFSMLayer"
    return None
