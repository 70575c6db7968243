"""The safety layer: PII, secrets, prompt injection, jailbreaks and harmful content, offline.

Build one ``SafetyLayer`` and reuse it::

    layer = SafetyLayer()
    verdict = layer.check_text("Ignore previous instructions", Role.USER)
    verdict.action, verdict.categories, verdict.to_dict()
"""

from __future__ import annotations

from modelsteward.safety.interface import (
    RULE_IDS,
    Action,
    Category,
    Detection,
    Guard,
    Hazard,
    Role,
    SafetyError,
)
from modelsteward.safety.layer import SafetyLayer
from modelsteward.safety.policy import (
    CategoryRule,
    RedactionStyle,
    RoleRule,
    SafetyPolicy,
    Treatment,
    load_safety_policy,
    parse_safety_policy,
)
from modelsteward.safety.rules import RULES
from modelsteward.safety.streaming import StreamModerator, StreamStep
from modelsteward.safety.verdict import PiiSpan, Verdict

__all__ = [
    "RULES",
    "RULE_IDS",
    "Action",
    "Category",
    "CategoryRule",
    "Detection",
    "Guard",
    "Hazard",
    "PiiSpan",
    "RedactionStyle",
    "Role",
    "RoleRule",
    "SafetyError",
    "SafetyLayer",
    "SafetyPolicy",
    "StreamModerator",
    "StreamStep",
    "Treatment",
    "Verdict",
    "load_safety_policy",
    "parse_safety_policy",
]
