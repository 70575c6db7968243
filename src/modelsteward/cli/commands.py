"""The explicit list of command areas: each module exposes ``register(app)`` and
``DEMO_SECTIONS``."""

from __future__ import annotations

from types import ModuleType

from modelsteward.cli import guard, license, registry, scan, serve, vet, vulns

AREAS: tuple[ModuleType, ...] = (scan, license, vulns, guard, vet, registry, serve)
"""In the order their demo sections run."""
