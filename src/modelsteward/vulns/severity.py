"""Severity of an advisory from its CVSS v3.x / v4.0 vectors, or from its own rating."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from modelsteward.findings import Severity
from modelsteward.vulns.osv import Advisory, SeverityScore

_WORDS = {
    "none": Severity.INFO,
    "info": Severity.INFO,
    "low": Severity.LOW,
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


@dataclass(frozen=True, slots=True)
class Rating:
    """A scored severity: the level, the CVSS base score (when a vector gave one), how."""

    severity: Severity
    score: float | None = None
    method: str = ""
    """``CVSSv4``, ``CVSSv31``, ``CVSSv3``, ``other`` or ``unknown``."""
    vector: str = ""


UNKNOWN = Rating(Severity.MEDIUM, None, "unknown")
"""What an advisory without any severity data gets: medium, so it is never silently low."""


@functools.lru_cache(maxsize=8192)
def score_vector(entry: SeverityScore) -> Rating | None:
    """Score one OSV severity entry with the ``cvss`` library; None when it is not a vector."""
    from cvss import CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    vector = entry.score.strip()
    try:
        if entry.type == "CVSS_V4" or vector.startswith("CVSS:4.0/"):
            v4 = CVSS4(vector)
            return Rating(_from_score(float(v4.base_score)), float(v4.base_score), "CVSSv4", vector)
        if entry.type == "CVSS_V3" or vector.startswith("CVSS:3."):
            v3 = CVSS3(vector)
            base = float(v3.scores()[0])
            method = "CVSSv31" if vector.startswith("CVSS:3.1/") else "CVSSv3"
            return Rating(_from_score(base), base, method, vector)
    except CVSSError:
        return None
    return None


def rate(advisory: Advisory) -> Rating:
    """The advisory's severity: CVSS v4 first, then v3.x, then the record's own word.

    An advisory read from the index carries the rating computed at build time.
    """
    if advisory.scored is not None:
        level, score, method, vector = advisory.scored
        return Rating(Severity(level), score, method, vector)
    ratings = [r for s in advisory.severity if (r := score_vector(s)) is not None]
    for method in ("CVSSv4", "CVSSv31", "CVSSv3"):
        for rating in ratings:
            if rating.method == method:
                return rating
    word = _WORDS.get(advisory.rating.strip().lower())
    if word is not None:
        return Rating(word, None, "other")
    return UNKNOWN


def _from_score(score: float) -> Severity:
    """The CVSS qualitative scale (FIRST): 0 none, <4 low, <7 medium, <9 high, else critical."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO
