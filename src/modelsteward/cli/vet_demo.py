"""The ``vet`` section of ``modelsteward demo``: passports, decisions, registry, audit chain."""

from __future__ import annotations

import importlib
from typing import Any

from rich.markup import escape
from rich.table import Table

from modelsteward.cli.demo_context import DemoContext
from modelsteward.policy import Decision, default_policy, evaluate
from modelsteward.vet import VetOptions, vet_paths

DEMO_ACTOR = "demo-requester"


def vet_section(ctx: DemoContext) -> None:
    """Vet the three demo models, record them, and verify the audit chain."""
    ws = ctx.workspace
    run = vet_paths([str(p) for p in ws.models], VetOptions(use=_demo_use()))
    policy = default_policy()
    decisions = [evaluate(policy, p) for p in run.passports]
    table = Table(title="Vet: passports and policy decisions", title_justify="left")
    for column in ("model", "license", "decision", "reviewers", "reasons (rule -> finding)"):
        table.add_column(column, overflow="fold")
    for passport, decision in zip(run.passports, decisions, strict=True):
        lic = passport.license
        table.add_row(
            passport.identity.name,
            f"{lic.license_id} ({lic.decision})" if lic else "unavailable",
            decision.outcome.value,
            ", ".join(r.value for r in decision.roles) or "-",
            _reasons(decision),
        )
    ctx.console.print(table)
    for decision in decisions:
        if decision.denied:
            ctx.console.print(f"{decision.model} is rejected because:")
            for r in decision.reasons:
                where = r.location.describe()
                ctx.console.print(escape(f"  [{r.rule}] {r.finding} at {where}: {r.message}"))
    from modelsteward.registry import open_registry
    from modelsteward.services.vetting import record

    registry = open_registry(f"sqlite:///{ws.root.resolve() / 'registry.db'}")
    try:
        record(registry, run.passports, decisions, DEMO_ACTOR)
        for model in registry.list_models():
            ctx.console.print(f"registry: {model.name} is {model.status.value}")
        for model in registry.list_models():
            if model.status.value == "needs_review":
                ctx.console.print(f"registry: {registry.explain(model.id)}")
        result = registry.audit_verify()
    finally:
        registry.close()
    state = "intact" if result.ok else f"BROKEN at entry {result.first_bad_seq}"
    ctx.console.print(f"audit chain: {state} ({result.count} entries)")


def _reasons(decision: Decision) -> str:
    if not decision.reasons:
        return "-"
    shown = [f"{r.rule} -> {r.finding}" for r in decision.reasons[:3]]
    more = len(decision.reasons) - len(shown)
    return "; ".join(shown) + (f" (+{more} more)" if more > 0 else "")


def _demo_use() -> Any:
    try:
        presets = importlib.import_module("modelsteward.licenses").PRESETS
    except (ImportError, AttributeError):
        return None
    return presets.get("internal")
