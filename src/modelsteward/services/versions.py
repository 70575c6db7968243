"""The versions a verdict depends on: the policy, the license knowledge base, the scanner's
rules and the advisory snapshot. Every passport records them, so ``revet`` can tell which
passports a change makes stale."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from modelsteward._version import VERSION
from modelsteward.policy import Policy

KINDS = ("policy", "licenses", "rules", "advisories")
"""What can change under a passport (``revet --reason``)."""


def _short(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def licenses_version() -> str:
    """The digest of the packaged license knowledge base."""
    data = resources.files("modelsteward.licenses").joinpath("data/kb.json").read_bytes()
    return _short(data)


def rules_version() -> str:
    """The package version and a digest of the scanner's rule table (ids and severities)."""
    from modelsteward.scan.rules import RULES

    table = "\n".join(f"{rid}:{RULES[rid].severity.name}" for rid in sorted(RULES))
    return f"{VERSION}+{_short(table.encode())}"


def advisories_version(db_path: Path | None) -> str:
    """The advisory snapshot: when the index was built and how many records it holds;
    ``none`` without a database."""
    if db_path is None:
        return "none"
    from modelsteward.vulns import AdvisoryDatabase, VulnError

    try:
        with AdvisoryDatabase.open(db_path) as db:
            stats = db.stats()
    except (VulnError, OSError):
        return "none"
    return f"{stats.built_at}/{stats.records}"


def current_versions(policy: Policy, advisory_db: Path | None) -> dict[str, str]:
    """Every version a verdict made now depends on."""
    return {
        "modelsteward": VERSION,
        "policy": f"{policy.name}@{policy.digest[:16]}",
        "licenses": licenses_version(),
        "rules": rules_version(),
        "advisories": advisories_version(advisory_db),
    }


def stale_reasons(
    recorded: object, current: dict[str, str], kinds: tuple[str, ...] = KINDS
) -> list[str]:
    """The kinds whose recorded version differs from the current one (all of them when the
    passport recorded none)."""
    if not isinstance(recorded, dict):
        return list(kinds)
    return [k for k in kinds if recorded.get(k) != current.get(k)]
