"""License due diligence: the true license of a model, and what it allows for a use.

Built-in plug points: license facts are data (``data/facts.yaml`` compiled into
``data/kb.json``); base-model lookups go through :class:`LineageResolver`.
"""

from modelsteward.licenses.check import check_license
from modelsteward.licenses.detect import TextIdentification, TextMatch, identify_text
from modelsteward.licenses.diff import Difference, DiffKind, TextStatus
from modelsteward.licenses.errors import LicenseError
from modelsteward.licenses.evaluate import Clause, Decision, Verdict, evaluate
from modelsteward.licenses.kb import KnowledgeBase, LicenseInfo, Term, load_kb
from modelsteward.licenses.lineage import (
    BUILTIN_FAMILIES,
    BuiltinResolver,
    HubResolver,
    LineageHit,
    LineageResolver,
    LineageVia,
    builtin_family,
)
from modelsteward.licenses.profile import PRESETS, UseProfile, load_use_profile, preset
from modelsteward.licenses.result import LicenseResult
from modelsteward.licenses.rules import RULES, Flag

__all__ = [
    "BUILTIN_FAMILIES",
    "PRESETS",
    "RULES",
    "BuiltinResolver",
    "Clause",
    "Decision",
    "DiffKind",
    "Difference",
    "Flag",
    "HubResolver",
    "KnowledgeBase",
    "LicenseError",
    "LicenseInfo",
    "LicenseResult",
    "LineageHit",
    "LineageResolver",
    "LineageVia",
    "Term",
    "TextIdentification",
    "TextMatch",
    "TextStatus",
    "UseProfile",
    "Verdict",
    "builtin_family",
    "check_license",
    "evaluate",
    "identify_text",
    "load_kb",
    "load_use_profile",
    "preset",
]
