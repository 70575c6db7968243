"""``modelsteward policy init|show|check|test``: start, show and validate policies and run
their unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.policy_files import register_files
from modelsteward.cli.state import get_state
from modelsteward.findings import Finding, Location, Report, Severity
from modelsteward.policy import EMPTY_POLICY_RULE, Policy, default_policy, load_policy
from modelsteward.policy.testing import run_policy_tests
from modelsteward.report import SummaryTable

EXPIRED_RULE = "policy.exception.expired"
FAILED_RULE = "policy.test.failed"


def register(app: typer.Typer) -> None:
    """Add the ``policy`` group to ``app``."""
    group = typer.Typer(
        name="policy",
        help="Start, show, validate and test policy files.",
        no_args_is_help=True,
    )
    register_files(group)
    group.command("check")(check)
    group.command("test")(test)
    app.add_typer(group)


def check(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Policy YAML files.")],
) -> int:
    """Validate policy files; an invalid one is an error (exit 2), an empty one denies."""
    state = get_state(ctx)
    today = datetime.now(UTC).date()
    policies = [load_policy(f) for f in files]
    findings = [f for p in policies for f in _lint(p, today)]
    rows = tuple(
        (
            p.source,
            p.name,
            p.revision or "-",
            p.mode.value,
            str(len(p.rules)),
            f"{sum(e.active(today) for e in p.exceptions)}/{len(p.exceptions)}",
            p.digest[:12],
        )
        for p in policies
    )
    return state.emit(
        "policy check",
        Report.of(findings),
        sections={"policies": [_describe(p, today) for p in policies]},
        summary=(
            SummaryTable(
                title="policy check",
                columns=(
                    "file",
                    "name",
                    "revision",
                    "mode",
                    "rules",
                    "active exceptions",
                    "digest",
                ),
                rows=rows,
            ),
        ),
    )


def test(
    ctx: typer.Context,
    targets: Annotated[list[Path], typer.Argument(help="Test files or directories.")],
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy under test (overrides the files').")
    ] = None,
) -> int:
    """Run policy unit tests (passport fixtures with expected decisions); exit 1 on a failure."""
    state = get_state(ctx)
    chosen = load_policy(policy) if policy is not None else None
    results = run_policy_tests(targets, policy=chosen, default=default_policy())
    findings = [
        Finding(
            rule_id=FAILED_RULE,
            severity=Severity.HIGH,
            message=f"Policy test {r.name!r} failed: {'; '.join(r.failures)}.",
            location=Location(path=r.file),
            evidence=r.decision.outcome.value if r.decision else "",
        )
        for r in results
        if not r.passed
    ]
    rows = tuple(
        (r.file, r.name, "pass" if r.passed else "FAIL", "; ".join(r.failures) or "-")
        for r in results
    )
    passed = sum(r.passed for r in results)
    state.log(f"{passed} passed, {len(results) - passed} failed")
    return state.emit(
        "policy test",
        Report.of(findings),
        sections={
            "tests": [
                {
                    "file": r.file,
                    "name": r.name,
                    "passed": r.passed,
                    "failures": list(r.failures),
                    "decision": r.decision.to_dict() if r.decision else None,
                }
                for r in results
            ]
        },
        summary=(
            SummaryTable(
                title="policy test", columns=("file", "case", "result", "detail"), rows=rows
            ),
        ),
        denied=passed != len(results),
    )


def _lint(policy: Policy, today: date) -> list[Finding]:
    out = []
    where = Location(path=policy.source)
    if not policy.rules:
        out.append(
            Finding(
                rule_id=EMPTY_POLICY_RULE,
                severity=Severity.HIGH,
                message="The policy has no rules, so it rejects every model.",
                location=where,
            )
        )
    for e in policy.exceptions:
        if not e.active(today):
            out.append(
                Finding(
                    rule_id=EXPIRED_RULE,
                    severity=Severity.LOW,
                    message=f"The exception for {e.rule} owned by {e.owner} has expired; "
                    "it is ignored.",
                    location=where,
                    evidence=e.expires.isoformat(),
                )
            )
    return out


def _describe(policy: Policy, today: date) -> dict[str, object]:
    return {
        "source": policy.source,
        "name": policy.name,
        "revision": policy.revision,
        "mode": policy.mode.value,
        "digest": policy.digest,
        "rules": [r.id for r in policy.rules],
        "exceptions": len(policy.exceptions),
        "active_exceptions": sum(e.active(today) for e in policy.exceptions),
    }
