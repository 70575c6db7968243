"""Policy unit tests: passport fixtures with the decisions a policy must reach.

A test file (``*_test.yaml`` or ``test_*.yaml``) names an optional policy, an optional
``today`` and a list of cases; each case gives a passport (inline or from a file) and what
the decision must be. See docs/policy.md for the format.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from modelsteward.passport import PassportError, passport_from_dict
from modelsteward.policy.engine import Decision, evaluate
from modelsteward.policy.model import Outcome, Policy, PolicyError, Role, load_policy

_PATTERNS = ("*_test.yaml", "*_test.yml", "test_*.yaml", "test_*.yml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectSpec(_Strict):
    outcome: Outcome
    roles: list[Role] | None = None
    """When given, exactly these roles."""
    reasons: list[str] = Field(default_factory=list)
    """Policy rule ids that must be among the enforced reasons."""
    findings: list[str] = Field(default_factory=list)
    """Finding rule ids the enforced reasons must point at."""
    warnings: list[str] = Field(default_factory=list)
    waived: list[str] = Field(default_factory=list)


class CaseSpec(_Strict):
    name: str
    passport: dict[str, Any] | None = None
    passport_file: str | None = None
    today: date | None = None
    expect: ExpectSpec

    @model_validator(mode="after")
    def _one_passport(self) -> CaseSpec:
        if (self.passport is None) == (self.passport_file is None):
            raise ValueError("give exactly one of passport or passport_file")
        return self


class SuiteSpec(_Strict):
    policy: str | None = None
    today: date | None = None
    cases: list[CaseSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The result of one case."""

    file: str
    name: str
    failures: tuple[str, ...]
    decision: Decision | None

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures


def discover(target: Path) -> tuple[Path, ...]:
    """The test files at ``target``: the file itself, or those found below a directory.

    Raises:
        PolicyError: when ``target`` does not exist or holds no test files.
    """
    if target.is_file():
        return (target,)
    if not target.is_dir():
        raise PolicyError(f"no such file or directory: {target}", hint="check the path")
    found = sorted({p for pattern in _PATTERNS for p in target.rglob(pattern)})
    if not found:
        raise PolicyError(
            f"no policy test files in {target}",
            hint="name them <something>_test.yaml; see docs/policy.md",
        )
    return tuple(found)


def run_policy_tests(
    targets: Sequence[Path], *, policy: Policy | None = None, default: Policy
) -> tuple[CaseResult, ...]:
    """Run every case of every test file at ``targets``.

    The policy is, in order: ``policy`` (given on the command line), the file's ``policy:``
    entry (relative to the test file), then ``default``.

    Raises:
        PolicyError: when a test file, its policy or a passport fixture is invalid.
    """
    results: list[CaseResult] = []
    for target in targets:
        for path in discover(target):
            results.extend(_run_file(path, policy=policy, default=default))
    return tuple(results)


def _run_file(path: Path, *, policy: Policy | None, default: Policy) -> list[CaseResult]:
    spec = _load_spec(path)
    chosen = policy
    if chosen is None and spec.policy is not None:
        chosen = load_policy(path.parent / spec.policy)
    chosen = chosen or default
    results = []
    for case in spec.cases:
        data = case.passport if case.passport is not None else _fixture(path, case)
        try:
            passport = passport_from_dict(data)
        except PassportError as exc:
            raise PolicyError(f"{path}: case {case.name!r}: {exc.message}", hint=exc.hint) from exc
        decision = evaluate(chosen, passport, today=case.today or spec.today)
        results.append(
            CaseResult(str(path), case.name, tuple(_compare(case.expect, decision)), decision)
        )
    return results


def _load_spec(path: Path) -> SuiteSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SuiteSpec.model_validate(data)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PolicyError(f"cannot read policy test {path}: {exc}", hint="check the file") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "file"
        raise PolicyError(
            f"{path}: {where}: {err['msg']}", hint="see the policy test format in docs/policy.md"
        ) from exc


def _fixture(test_file: Path, case: CaseSpec) -> dict[str, Any]:
    assert case.passport_file is not None
    path = test_file.parent / case.passport_file
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise PolicyError(
            f"{test_file}: case {case.name!r}: cannot read {path}: {exc}",
            hint="passport_file is relative to the test file",
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("passport"), dict):
        data = data["passport"]  # a whole `vet --format json` output
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a passport must be a mapping", hint="see docs/vet.md")
    return data


def _compare(expect: ExpectSpec, decision: Decision) -> list[str]:
    failures = []
    if decision.outcome is not expect.outcome:
        failures.append(f"outcome is {decision.outcome.value}, expected {expect.outcome.value}")
    if expect.roles is not None and set(decision.roles) != set(expect.roles):
        got = ", ".join(sorted(r.value for r in decision.roles)) or "none"
        want = ", ".join(sorted(r.value for r in expect.roles)) or "none"
        failures.append(f"roles are {got}, expected {want}")
    checks = (
        ("reason", expect.reasons, {r.rule for r in decision.reasons}),
        ("finding", expect.findings, {r.finding for r in decision.reasons}),
        ("warning", expect.warnings, {r.rule for r in decision.warnings}),
        ("waived reason", expect.waived, {w.reason.rule for w in decision.waived}),
    )
    for label, wanted, got_ids in checks:
        failures.extend(f"no {label} {item!r}" for item in wanted if item not in got_ids)
    return failures
