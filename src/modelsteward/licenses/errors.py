"""The error type of the license area."""

from __future__ import annotations

from modelsteward.errors import StewardError


class LicenseError(StewardError):
    """A license input the user gave cannot be used (bad use profile, unknown preset...)."""
