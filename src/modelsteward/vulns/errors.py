"""The error type of the vulnerability area."""

from __future__ import annotations

from modelsteward.errors import StewardError


class VulnError(StewardError):
    """An inventory, advisory source or database that cannot be read or used."""
