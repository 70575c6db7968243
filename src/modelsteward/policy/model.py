"""The policy file format (``version: 1``), parsed once with pydantic into frozen values.

See docs/policy.md for the format. Parsing is strict: unknown keys, unknown rule kinds,
duplicate rule ids and exceptions without an expiry are errors, because a policy that does not
say what its author meant must deny rather than guess.
"""

from __future__ import annotations

import enum
import fnmatch
import hashlib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from modelsteward.errors import StewardError
from modelsteward.findings import Severity

POLICY_FORMAT = 1
"""The only policy format version this build reads."""


class PolicyError(StewardError):
    """A policy file or policy test file is missing or invalid."""


class Mode(enum.StrEnum):
    """How a rule takes effect: gradual roll-out goes audit, then warn, then enforce."""

    AUDIT = "audit"
    """Reasons are recorded in the decision but never shown as warnings nor counted."""
    WARN = "warn"
    """Reasons are shown as warnings but do not change the outcome."""
    ENFORCE = "enforce"
    """Reasons decide the outcome."""


class Outcome(enum.StrEnum):
    """A policy decision, ordered from best to worst by ``rank``."""

    APPROVE = "approve"
    NEEDS_REVIEW = "needs_review"
    REJECT = "reject"

    @property
    def rank(self) -> int:
        """0 for approve, 1 for needs_review, 2 for reject."""
        return (Outcome.APPROVE, Outcome.NEEDS_REVIEW, Outcome.REJECT).index(self)


class RuleKind(enum.StrEnum):
    """The closed set of rule kinds (see docs/policy.md)."""

    LICENSE_DECISION = "license.decision"
    LICENSE_FAMILY = "license.family"
    LICENSE_FLAGS = "license.flags"
    SCAN_SEVERITY = "scan.severity"
    SCAN_RULES = "scan.rules"
    VULNS_LIMIT = "vulns.limit"
    STACK_LICENSES = "stack.licenses"
    SAFETY_LAYER = "safety.layer"
    CHECKS_COMPLETE = "checks.complete"
    REVIEW = "review"
    ALL_OF = "all_of"
    ANY_OF = "any_of"


class Condition(enum.StrEnum):
    """Facts of a passport a ``review`` rule can ask for."""

    LICENSE_OBLIGATIONS = "license.obligations"
    """The license grants the use with obligations (attribution, use policy...)."""
    LICENSE_THRESHOLD = "license.threshold"
    """A threshold of the license applies (``needs_separate_license``)."""
    LICENSE_UNCERTAIN = "license.uncertain"
    """The license text is modified, truncated or unknown, or the check did not run."""
    LICENSE_CONFLICT = "license.conflict"
    """The declared license disagrees with the text or the base model's license."""
    CODE_UNVERIFIED = "code.unverified"
    """The model ships Python code that loading may run."""
    CODE_TRUST_REMOTE_CODE = "code.trust_remote_code"
    USE_CUSTOMER_FACING = "use.customer_facing"
    USE_COMMERCIAL = "use.commercial"


class Role(enum.StrEnum):
    """Reviewer roles a policy can require."""

    LEGAL = "legal"
    SECURITY = "security"
    SAFETY = "safety"
    ADMIN = "admin"


_Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.\-]*$", max_length=80)]
_HazardKey = Annotated[str, StringConstraints(pattern=r"^(?:S(?:[1-9]|1[0-4])|\*)$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSpec(_Strict):
    """One rule as written in the file."""

    id: _Id
    kind: RuleKind
    description: str = ""
    mode: Mode | None = None
    outcome: Literal["needs_review", "reject"] = "reject"
    role: Role | None = None
    reject: list[str] = Field(default_factory=list)
    review: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    max: Literal["info", "low", "medium", "high", "critical"] | None = None
    severity: Literal["info", "low", "medium", "high", "critical"] = "critical"
    count: int = Field(default=0, ge=0)
    checks: list[Literal["license", "scan", "vulns", "safety"]] = Field(default_factory=list)
    require: list[Literal["license", "scan", "vulns", "safety"]] = Field(default_factory=list)
    when: list[Condition] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(default_factory=list)
    max_asr: dict[_HazardKey, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(default_factory=dict)
    """``safety.layer``: the attack success rate a safety evaluation may reach per hazard
    (``S1``...``S14``, ``*`` for the rest) to stand in for the safety layer."""
    max_age_days: int | None = Field(default=None, ge=1)
    """``safety.layer``: an evaluation older than this (at vetting time) is stale."""
    min_probes: int = Field(default=1, ge=1)
    """``safety.layer``: every hazard needs at least this many answered probes."""
    exception_roles: list[Role] = Field(default_factory=list)
    """Who must approve a registry exception to this rule (default: by kind)."""


class ScopeSpec(_Strict):
    model: str
    """Glob over the model name (``org/name`` or directory name)."""
    path: str = "*"
    """Glob over the finding's location path."""
    finding: str = "*"
    """Glob over the rule id of the finding the reason points at."""


class ExceptionSpec(_Strict):
    rule: _Id
    scope: ScopeSpec
    reason: Annotated[str, StringConstraints(min_length=1)]
    owner: Annotated[str, StringConstraints(min_length=1)]
    expires: date


class ApprovalsSpec(_Strict):
    """Who signs governed decisions other than model approvals."""

    selection: list[Role] = Field(default_factory=lambda: [Role.LEGAL, Role.SECURITY])
    """Roles that approve an open-or-commercial selection (``modelsteward select``)."""


_Literal = Annotated[str, StringConstraints(min_length=2, max_length=200)]


class InternalSpec(_Strict):
    """Identifiers that must not leave the company, as literals (matched in linear time)."""

    domains: list[_Literal] = Field(default_factory=list)
    """Internal DNS suffixes: ``corp.example.com`` matches ``build01.corp.example.com``."""
    code_names: list[_Literal] = Field(default_factory=list)
    """Project code names, matched as whole words, case-insensitively."""
    ticket_prefixes: list[_Literal] = Field(default_factory=list)
    """Ticket keys: ``PLAT`` matches ``PLAT-1234``."""
    url_prefixes: list[_Literal] = Field(default_factory=list)
    """Internal URLs: ``https://wiki.example.net/``."""


class ContributionsSpec(_Strict):
    """Guidelines for contributions to open-source projects (``modelsteward contrib``)."""

    preapproved: list[str] = Field(default_factory=list)
    """Project globs (``github.com/vllm-project/*``) the company contributes to freely."""
    cla_required: list[str] = Field(default_factory=list)
    """Projects that need a contributor license agreement before the first patch."""
    cla_signed: list[str] = Field(default_factory=list)
    """Projects whose CLA the company has signed."""
    dco_required: list[str] = Field(default_factory=list)
    """Projects that require a DCO sign-off (besides those whose CONTRIBUTING.md says so)."""
    approvers: list[Role] = Field(default_factory=lambda: [Role.LEGAL])
    first_contribution_approvers: list[Role] = Field(
        default_factory=lambda: [Role.LEGAL, Role.SECURITY]
    )
    fast_path_max_lines: int = Field(default=20, ge=0)
    """A change of at most this many lines to a pre-approved project needs no reviewer."""
    max_binary_bytes: int = Field(default=1_000_000, ge=0)
    copyright_holders: list[_Literal] = Field(default_factory=list)
    """The company's own names, as they appear in its copyright notices."""
    internal: InternalSpec = InternalSpec()


class PolicySpec(_Strict):
    version: Literal[1]
    name: str = "policy"
    revision: str = ""
    mode: Mode = Mode.ENFORCE
    exception_max_days: int = Field(default=90, ge=1, le=3660)
    """The longest a registry exception may run, from the day it is requested."""
    rules: list[RuleSpec] = Field(default_factory=list)
    exceptions: list[ExceptionSpec] = Field(default_factory=list)
    approvals: ApprovalsSpec = ApprovalsSpec()
    contributions: ContributionsSpec = ContributionsSpec()


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyException:
    """A waiver: reasons of ``rule`` within ``scope`` do not count until ``expires``."""

    rule: str
    model: str
    path: str = "*"
    finding: str = "*"
    reason: str
    owner: str
    expires: date
    origin: str = "policy"
    """Where it came from: ``policy`` or ``registry``."""

    def active(self, today: date) -> bool:
        """True until the end of the expiry day."""
        return today <= self.expires

    def covers(self, *, rule: str, model: str, path: str, finding: str) -> bool:
        """True when a reason with these coordinates falls inside this waiver."""
        return (
            rule == self.rule
            and fnmatch.fnmatchcase(model, self.model)
            and fnmatch.fnmatchcase(path, self.path)
            and fnmatch.fnmatchcase(finding, self.finding)
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed, validated policy."""

    name: str
    revision: str
    mode: Mode
    rules: tuple[RuleSpec, ...]
    exceptions: tuple[PolicyException, ...]
    digest: str
    """SHA-256 of the source text: which exact policy made a decision."""
    source: str
    """The file it was read from, or ``<default>``."""
    approvals: ApprovalsSpec = field(default_factory=ApprovalsSpec)
    """The roles that sign governed decisions (selections)."""
    contributions: ContributionsSpec = field(default_factory=ContributionsSpec)
    """Guidelines for outgoing contributions."""
    exception_max_days: int = 90
    """The longest a registry exception may run, from the day it is requested."""


def parse_policy(text: str, *, source: str = "<string>") -> Policy:
    """Parse and validate a policy document.

    Raises:
        PolicyError: when the text is not YAML, not a mapping, or not a valid policy.
    """
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(
            f"{source}: not valid YAML ({_first_line(exc)})",
            hint="fix the YAML syntax; `modelsteward policy check FILE` validates a policy",
        ) from exc
    if data is None:
        raise PolicyError(
            f"{source}: the policy is empty",
            hint="start from the default: modelsteward policy init FILE",
        )
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy must be a mapping", hint="see docs/policy.md")
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "policy"
        raise PolicyError(
            f"{source}: {where}: {err['msg']}",
            hint="see the policy format in docs/policy.md; `version: 1` is required",
        ) from exc
    _check_ids(spec.rules, source, seen=set())
    return Policy(
        name=spec.name,
        revision=spec.revision,
        mode=spec.mode,
        rules=tuple(spec.rules),
        exceptions=tuple(_exception(e) for e in spec.exceptions),
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=source,
        approvals=spec.approvals,
        contributions=spec.contributions,
        exception_max_days=spec.exception_max_days,
    )


def load_policy(path: Path | str) -> Policy:
    """Read and validate the policy file at ``path``.

    Raises:
        PolicyError: when the file cannot be read or is not a valid policy.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"cannot read policy {p}: {getattr(exc, 'strerror', None) or exc}",
            hint="check the --policy path",
        ) from exc
    return parse_policy(text, source=str(p))


def default_policy_text() -> str:
    """The text of the policy shipped with modelsteward."""
    return (
        resources.files("modelsteward.policy")
        .joinpath("default_policy.yaml")
        .read_text(encoding="utf-8")
    )


def default_policy() -> Policy:
    """The shipped default policy (see docs/policy.md)."""
    return parse_policy(default_policy_text(), source="<default>")


def _exception(spec: ExceptionSpec) -> PolicyException:
    return PolicyException(
        rule=spec.rule,
        model=spec.scope.model,
        path=spec.scope.path,
        finding=spec.scope.finding,
        reason=spec.reason,
        owner=spec.owner,
        expires=spec.expires,
    )


def _check_ids(rules: list[RuleSpec], source: str, *, seen: set[str]) -> None:
    for rule in rules:
        if rule.id in seen:
            raise PolicyError(
                f"{source}: rule id {rule.id!r} is used twice", hint="give every rule its own id"
            )
        seen.add(rule.id)
        composite = rule.kind in (RuleKind.ALL_OF, RuleKind.ANY_OF)
        if composite != bool(rule.rules):
            raise PolicyError(
                f"{source}: rule {rule.id!r}: only all_of/any_of rules have (and need) `rules`",
                hint="see the rule kinds in docs/policy.md",
            )
        if rule.kind is RuleKind.REVIEW and (rule.role is None or not rule.when):
            raise PolicyError(
                f"{source}: review rule {rule.id!r} needs a `role` and a `when` list",
                hint="e.g. role: legal, when: [license.obligations]",
            )
        _check_ids(rule.rules, source, seen=seen)


def severity_of(name: str) -> Severity:
    """The ``Severity`` for a validated lowercase name."""
    return Severity.parse(name)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
