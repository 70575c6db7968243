"""The base error of modelsteward: every environmental or usage failure carries a hint."""

from __future__ import annotations


class StewardError(Exception):
    """A failure the user can act on: ``message`` says what went wrong, ``hint`` what to do.

    Each seam defines its own subclass (``ScanError``, ``StoreError``, ``PolicyError``...).
    """

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(StewardError):
    """The command line or an input file is wrong (missing path, unreadable file...)."""


class ConfigError(StewardError):
    """The configuration (environment, ``modelsteward.toml``, YAML files) is invalid."""
