"""The built-in guards, listed explicitly."""

from __future__ import annotations

from modelsteward.safety.guards.harmful import HarmfulGuard
from modelsteward.safety.guards.injection import InjectionGuard
from modelsteward.safety.guards.pii import PiiGuard
from modelsteward.safety.guards.secrets import SecretGuard
from modelsteward.safety.interface import Guard

__all__ = ["HarmfulGuard", "InjectionGuard", "PiiGuard", "SecretGuard", "default_guards"]


def default_guards() -> tuple[Guard, ...]:
    """One of each built-in offline guard (the LLM judge is opt-in and not listed here)."""
    return (PiiGuard(), SecretGuard(), InjectionGuard(), HarmfulGuard())
