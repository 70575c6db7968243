"""The installed-package value every inventory source produces."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Package:
    """One installed (or pinned) distribution."""

    name: str
    """The name as the source spelled it; matching uses its PEP 503 form."""
    version: str
    source: str = ""
    """Where it was read: the file or URL as the user gave it."""
    ecosystem: str = "PyPI"
    """The OSV ecosystem; engines that are not Python packages use their own name."""

    def to_dict(self) -> dict[str, str]:
        """The ``packages`` item of the JSON contract."""
        out = {"name": self.name, "version": self.version, "source": self.source}
        if self.ecosystem != "PyPI":
            out["ecosystem"] = self.ecosystem
        return out
