"""What a fleet worker process keeps between tasks: parsed policies and open registries.

Parsing the policy and opening a registry (an engine, a connection, the schema check) cost
more than vetting a small model, so a worker does each once per policy file and DSN. A
forked child never uses its parent's connections: on first use it forgets them without
closing them (closing would end the parent's sessions), and opens its own.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from modelsteward.policy import Policy, default_policy, load_policy
from modelsteward.registry import RegistryService, open_registry

_POLICIES: dict[tuple[str, int, int], Policy] = {}
_REGISTRIES: dict[str, tuple[int, RegistryService]] = {}
"""DSN -> (the process that opened it, the registry)."""


def policy(path: str | None) -> Policy:
    """The policy at ``path`` (the shipped one when None), parsed again only when the file
    changed.

    Raises:
        PolicyError: when the file cannot be read or is not a valid policy.
    """
    if not path:
        key = ("", 0, 0)
    else:
        try:
            st = Path(path).stat()
            key = (path, st.st_mtime_ns, st.st_size)
        except OSError:
            return load_policy(path)  # reports the error the way loading does
    found = _POLICIES.get(key)
    if found is None:
        found = load_policy(path) if path else default_policy()
        _POLICIES[key] = found
    return found


def registry(dsn: str) -> RegistryService:
    """The registry at ``dsn``, opened (and migrated) once in this process.

    Raises:
        StoreError: when it cannot be opened.
    """
    pid = os.getpid()
    found = _REGISTRIES.get(dsn)
    if found is not None and found[0] != pid:
        _forget_inherited(pid)
        found = None
    if found is None:
        found = (pid, open_registry(dsn))
        _REGISTRIES[dsn] = found
    return found[1]


def drop(dsn: str) -> None:
    """Close the registry at ``dsn`` (after a task failed on it: the next one reopens)."""
    found = _REGISTRIES.pop(dsn, None)
    if found is not None and found[0] == os.getpid():
        found[1].close()


def _forget_inherited(pid: int) -> None:
    for dsn, (owner, service) in list(_REGISTRIES.items()):
        if owner != pid:
            engine = getattr(service.store, "engine", None)
            if engine is not None:
                engine.dispose(close=False)
            del _REGISTRIES[dsn]


def _close_all() -> None:
    pid = os.getpid()
    for owner, service in _REGISTRIES.values():
        if owner == pid:
            service.close()
    _REGISTRIES.clear()


atexit.register(_close_all)
