"""The safety policy: per category a treatment and threshold, allow/deny lists, role rules and
the redaction style. Parsed once from YAML or JSON at the boundary, then frozen."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelsteward.safety.guards.model import ModelSpec
from modelsteward.safety.interface import Category, Role, SafetyError


class Treatment(enum.StrEnum):
    """What to do with a category once its threshold is reached."""

    BLOCK = "block"
    REDACT = "redact"
    FLAG = "flag"
    """Report it (a finding, a category) but let the text through unchanged."""


class RedactionStyle(enum.StrEnum):
    """How redacted spans are written."""

    MASK = "mask"
    """``*****`` of the same length."""
    PLACEHOLDER = "placeholder"
    """``<EMAIL_ADDRESS>``."""
    HASH = "hash"
    """``<EMAIL_ADDRESS:3f9a1c2b>``: a keyed HMAC, stable across requests for one key."""
    PSEUDONYM = "pseudonym"
    """``<PERSON_1>``, reversible: ``Verdict.restore`` puts the originals back in the answer."""


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """The treatment of one category and the score at which it applies."""

    treatment: Treatment
    threshold: float = 0.5


@dataclass(frozen=True, slots=True)
class RoleRule:
    """How text from one role is judged: categories skipped and per-category overrides."""

    skip: frozenset[Category] = frozenset()
    overrides: Mapping[Category, CategoryRule] = field(default_factory=dict)


_DEFAULT_RULES = {
    Category.PROMPT_INJECTION: CategoryRule(Treatment.BLOCK, 0.5),
    Category.JAILBREAK: CategoryRule(Treatment.BLOCK, 0.5),
    Category.HARMFUL_REQUEST: CategoryRule(Treatment.BLOCK, 0.5),
    Category.HARMFUL_OUTPUT: CategoryRule(Treatment.BLOCK, 0.5),
    Category.PII: CategoryRule(Treatment.REDACT, 0.5),
    Category.SECRET: CategoryRule(Treatment.REDACT, 0.5),
    Category.DENY_LIST: CategoryRule(Treatment.BLOCK, 0.0),
}
_DEFAULT_ROLES = {
    Role.SYSTEM: RoleRule(skip=frozenset(Category) - {Category.SECRET, Category.DENY_LIST}),
    Role.USER: RoleRule(skip=frozenset({Category.HARMFUL_OUTPUT})),
    Role.DOCUMENT: RoleRule(
        skip=frozenset({Category.HARMFUL_OUTPUT}),
        overrides={
            Category.PROMPT_INJECTION: CategoryRule(Treatment.BLOCK, 0.4),
            Category.JAILBREAK: CategoryRule(Treatment.FLAG, 0.5),
            Category.HARMFUL_REQUEST: CategoryRule(Treatment.FLAG, 0.5),
        },
    ),
    Role.TOOL: RoleRule(
        skip=frozenset({Category.HARMFUL_OUTPUT}),
        overrides={
            Category.PROMPT_INJECTION: CategoryRule(Treatment.BLOCK, 0.4),
            Category.JAILBREAK: CategoryRule(Treatment.FLAG, 0.5),
            Category.HARMFUL_REQUEST: CategoryRule(Treatment.FLAG, 0.5),
        },
    ),
    Role.ASSISTANT: RoleRule(
        skip=frozenset({Category.PROMPT_INJECTION, Category.JAILBREAK, Category.HARMFUL_REQUEST})
    ),
}


@dataclass(frozen=True, slots=True)
class SafetyPolicy:
    """Everything the safety layer decides with. Frozen; build with ``default()``,
    ``load_safety_policy(path)`` or ``dataclasses.replace``."""

    rules: Mapping[Category, CategoryRule] = field(
        default_factory=lambda: MappingProxyType(dict(_DEFAULT_RULES))
    )
    roles: Mapping[Role, RoleRule] = field(
        default_factory=lambda: MappingProxyType(dict(_DEFAULT_ROLES))
    )
    allow: tuple[re.Pattern[str], ...] = ()
    """A detection whose span (or, for whole-text categories, whose text) matches one of
    these is dropped: e.g. the company's own support address."""
    deny: tuple[re.Pattern[str], ...] = ()
    """A text matching one of these is a ``deny_list`` detection (blocked by default)."""
    redaction: RedactionStyle = RedactionStyle.PLACEHOLDER
    hash_key: str = "modelsteward"
    """The HMAC key of the ``hash`` redaction style; set your own to keep hashes private."""
    judge: bool = False
    """Also ask the LLM-judge guard (needs an endpoint handed to the layer)."""
    judge_band: tuple[float, float] | None = None
    """With ``judge``, ask the judge only when the strongest offline injection, jailbreak or
    harm score lies in ``[low, high)``: the uncertain band. Below it the text is taken as
    clean and above it the offline verdict stands, so the judge's latency is paid only on
    the few texts it can decide. None asks the judge on every text."""
    model: ModelSpec | None = None
    """A local pretrained classifier (transformers or ONNX) used as a guard, see
    ``ModelSpec``; None runs the offline guards only."""

    @classmethod
    def default(cls) -> SafetyPolicy:
        """The built-in policy: block injections, jailbreaks and harm; redact PII and secrets."""
        return cls()

    def rule_for(self, category: Category, role: Role) -> CategoryRule | None:
        """The rule for ``category`` in text from ``role``; None when the role skips it."""
        role_rule = self.roles.get(role, RoleRule())
        if category in role_rule.skip:
            return None
        return role_rule.overrides.get(category) or self.rules.get(category)

    def with_rule(self, category: Category, rule: CategoryRule) -> SafetyPolicy:
        """A copy with ``category``'s default rule replaced."""
        rules = dict(self.rules)
        rules[category] = rule
        return replace(self, rules=MappingProxyType(rules))


class _RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Treatment
    threshold: float = Field(0.5, ge=0.0, le=1.0)


class _RoleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skip: list[Category] = []
    categories: dict[Category, _RuleModel] = {}


class _ModelModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: Path
    format: Literal["auto", "transformers", "onnx"] = "auto"
    labels: dict[str, Category] = {}
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    thresholds: dict[str, Annotated[float, Field(gt=0.0, lt=1.0)]] = {}
    max_length: int = Field(512, ge=8, le=4096)
    max_chars: int = Field(8000, ge=64, le=1 << 20)
    activation: Literal["auto", "softmax", "sigmoid"] = "auto"
    mode: Literal["add", "replace"] = "add"


def _model_spec(model: _ModelModel | None, base: Path | None) -> ModelSpec | None:
    if model is None:
        return None
    path = model.path.expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return ModelSpec(
        path=path,
        format=model.format,
        labels=MappingProxyType(dict(model.labels)),
        threshold=model.threshold,
        thresholds=MappingProxyType(dict(model.thresholds)),
        max_length=model.max_length,
        max_chars=model.max_chars,
        activation=model.activation,
        mode=model.mode,
    )


class _PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: dict[Category, _RuleModel] = {}
    roles: dict[Role, _RoleModel] = {}
    allow: list[str] = []
    deny: list[str] = []
    redaction: RedactionStyle = RedactionStyle.PLACEHOLDER
    hash_key: str = "modelsteward"
    judge: bool = False
    judge_band: tuple[float, float] | None = None
    model: _ModelModel | None = None


def _compile(patterns: list[str], what: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in patterns)
    except re.error as exc:
        raise SafetyError(f"bad {what} pattern: {exc}", hint="fix the regular expression") from exc


def parse_safety_policy(data: object, *, base: Path | None = None) -> SafetyPolicy:
    """A policy from parsed YAML/JSON; categories not named keep their default rules.
    A relative ``model.path`` is read from ``base`` (the policy file's folder).

    Raises:
        SafetyError: when the document does not match the policy schema.
    """
    try:
        model = _PolicyModel.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SafetyError(
            f"invalid safety policy at {where or 'top level'}: {first['msg']}",
            hint="see docs/safety.md for the policy format",
        ) from exc
    rules = dict(_DEFAULT_RULES)
    rules.update({c: CategoryRule(r.action, r.threshold) for c, r in model.categories.items()})
    roles = dict(_DEFAULT_ROLES)
    for role, rm in model.roles.items():
        roles[role] = RoleRule(
            skip=frozenset(rm.skip),
            overrides={c: CategoryRule(r.action, r.threshold) for c, r in rm.categories.items()},
        )
    return SafetyPolicy(
        rules=MappingProxyType(rules),
        roles=MappingProxyType(roles),
        allow=_compile(model.allow, "allow"),
        deny=_compile(model.deny, "deny"),
        redaction=model.redaction,
        hash_key=model.hash_key,
        judge=model.judge,
        judge_band=_band(model.judge_band),
        model=_model_spec(model.model, base),
    )


def _band(band: tuple[float, float] | None) -> tuple[float, float] | None:
    if band is None:
        return None
    low, high = band
    if not 0.0 <= low < high <= 1.0:
        raise SafetyError(
            f"invalid judge_band {list(band)}",
            hint="give [low, high] with 0 <= low < high <= 1, e.g. [0.2, 0.5]",
        )
    return (low, high)


def load_safety_policy(path: Path | str) -> SafetyPolicy:
    """Read a YAML or JSON safety policy file.

    Raises:
        SafetyError: when the file cannot be read or is invalid.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise SafetyError(
            f"cannot read safety policy {source}: {exc.strerror or exc}",
            hint="check the --policy path",
        ) from exc
    try:
        data = json.loads(text) if source.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SafetyError(
            f"cannot parse safety policy {source}: {exc}", hint="the file must be YAML or JSON"
        ) from exc
    return parse_safety_policy(data, base=source.parent)
