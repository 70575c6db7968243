"""Policy-as-code: a versioned YAML policy turns a passport into approve, review or reject."""

from modelsteward.passport import Passport
from modelsteward.policy.engine import EMPTY_POLICY_RULE, Decision, Waived, evaluate
from modelsteward.policy.model import (
    Condition,
    Mode,
    Outcome,
    Policy,
    PolicyError,
    PolicyException,
    Role,
    RuleKind,
    default_policy,
    default_policy_text,
    load_policy,
    parse_policy,
)
from modelsteward.policy.rules import AllOf, AnyOf, PolicyRule, Reason, build_rule
from modelsteward.policy.waivers import WaiverTerms, waiver_terms

__all__ = [
    "EMPTY_POLICY_RULE",
    "AllOf",
    "AnyOf",
    "Condition",
    "Decision",
    "Mode",
    "Outcome",
    "Passport",
    "Policy",
    "PolicyError",
    "PolicyException",
    "PolicyRule",
    "Reason",
    "Role",
    "RuleKind",
    "Waived",
    "WaiverTerms",
    "build_rule",
    "default_policy",
    "default_policy_text",
    "evaluate",
    "load_policy",
    "parse_policy",
    "waiver_terms",
]
