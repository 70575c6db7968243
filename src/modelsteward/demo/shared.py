"""Where the optional ``shared/`` data folder lives (real advisories, real models, corpora).

A source checkout may have a read-only ``shared/`` folder beside it; CI has one. The demo
uses it to show richer data when present, and the tests use it to run their data-driven
cases; without it both fall back to what they build by code. This is the one lookup for it.
"""

from __future__ import annotations

from pathlib import Path


def shared_dir() -> Path | None:
    """The ``shared/`` folder beside the source checkout this package runs from; None when
    there is none (or the package is installed, not a checkout)."""
    checkout = Path(__file__).resolve().parents[3]
    if not (checkout / "pyproject.toml").is_file():
        return None  # an installed package, not a checkout
    candidate = checkout.parent / "shared"
    return candidate if candidate.is_dir() else None


def shared_file(relpath: str) -> Path | None:
    """``relpath`` under the ``shared/`` folder when the file exists, else None."""
    root = shared_dir()
    if root is None:
        return None
    path = root / relpath
    return path if path.is_file() else None
