"""``modelsteward policy init|show``: start a policy from the shipped one, print the one in
force."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.output import write_text
from modelsteward.cli.state import get_state
from modelsteward.errors import UsageError
from modelsteward.findings import Report
from modelsteward.policy import Policy, default_policy, default_policy_text, load_policy
from modelsteward.report import OutputFormat, SummaryTable

DEFAULT_FILE = Path("modelsteward-policy.yaml")

GUIDE = """\
#
# How to change it (reference: docs/policy.md):
#   mode            enforce | warn | audit. warn shows a rule's reasons without changing the
#                   outcome, audit only records them: roll a new rule out as audit, then warn,
#                   then enforce. A rule may set its own mode.
#   rules[].kind    license.decision, license.family, license.flags, scan.severity, scan.rules,
#                   vulns.limit, safety.layer, checks.complete, review, all_of, any_of.
#   rules[].outcome reject (the default) or needs_review; rules[].role names the reviewer
#                   (legal, security, safety, admin).
#   exceptions      waive one rule inside a scope until a date, with a reason and an owner:
#                     - rule: scan-severity
#                       scope: {model: "acme/legacy-*", finding: "scan.pickle.*"}
#                       reason: Loaded only in the sandboxed converter.
#                       owner: security@example.com
#                       expires: 2027-03-31
# Use it:   modelsteward vet MODEL --policy {file}
# Check it: modelsteward policy check {file}
# Test it:  modelsteward policy test TESTS/ --policy {file}
#
"""


def register_files(group: typer.Typer) -> None:
    """Add ``policy init`` and ``policy show`` to the ``policy`` group."""
    group.command("init")(init)
    group.command("show")(show)


def init_text(target: Path) -> str:
    """The shipped policy with a guide to its fields, as ``policy init`` writes it."""
    text = default_policy_text()
    head, sep, body = text.partition("\nversion:")
    return head + "\n" + GUIDE.replace("{file}", str(target)) + sep.lstrip("\n") + body


def init(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Where to write the policy.", show_default=True)
    ] = DEFAULT_FILE,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> int:
    """Write the shipped default policy, with comments on every field, to start your own.

    Examples:

      modelsteward policy init

      modelsteward policy init policies/acme.yaml --force
    """
    state = get_state(ctx)
    if file.exists() and not force:
        raise UsageError(f"{file} already exists", hint="choose another path or add --force")
    write_text(init_text(file), file)
    policy = load_policy(file)
    state.log(f"wrote {file}: policy {policy.name!r} with {len(policy.rules)} rules")
    return state.emit(
        "policy init",
        Report(),
        sections={"policy": _facts(policy)},
        summary=(_table(policy, f"policy written to {file}"),),
    )


def show(
    ctx: typer.Context,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="The policy file vet would use (default: the shipped one)."),
    ] = None,
) -> int:
    """Print the policy in force: its name, revision, digest and full text.

    Examples:

      modelsteward policy show

      modelsteward policy show --policy modelsteward-policy.yaml --format json
    """
    state = get_state(ctx)
    chosen = load_policy(policy) if policy is not None else default_policy()
    text = default_policy_text() if policy is None else policy.read_text(encoding="utf-8")
    if state.fmt is OutputFormat.TABLE:
        # The policy as YAML, so that the output is itself a policy file.
        head = (
            f"# policy in force: {chosen.name} revision {chosen.revision or '-'} from "
            f"{chosen.source}\n# sha256 {chosen.digest}\n"
        )
        write_text(head + text, state.output)
        return 0
    facts = {**_facts(chosen), "text": text}
    return state.emit(
        "policy show", Report(), sections={"policy": facts}, summary=(_table(chosen),)
    )


def _facts(policy: Policy) -> dict[str, object]:
    today = datetime.now(UTC).date()
    return {
        "name": policy.name,
        "revision": policy.revision,
        "mode": policy.mode.value,
        "digest": policy.digest,
        "source": policy.source,
        "rules": [rule.id for rule in policy.rules],
        "active_exceptions": sum(e.active(today) for e in policy.exceptions),
    }


def _table(policy: Policy, title: str = "policy in force") -> SummaryTable:
    rows = (
        ("name", policy.name),
        ("revision", policy.revision or "-"),
        ("mode", policy.mode.value),
        ("source", policy.source),
        ("digest", policy.digest),
        ("rules", ", ".join(rule.id for rule in policy.rules) or "-"),
    )
    return SummaryTable(title=title, columns=("field", "value"), rows=rows)
