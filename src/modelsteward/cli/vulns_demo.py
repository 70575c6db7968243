"""The ``vulns`` area's demo sections: index advisories, match a serving stack, write the BOM."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.table import Table

from modelsteward.cli.demo_context import DemoContext, Section
from modelsteward.demo.shared import shared_file
from modelsteward.vulns import (
    AdvisoryDatabase,
    JsonSlaStateStore,
    VulnError,
    build_bom,
    build_index,
    match_packages,
    read_inventory,
    record_sightings,
)
from modelsteward.vulns.sample import write_sample_records
from modelsteward.vulns.triage import Upgrade, plan_upgrades

_SNAPSHOT = "data/advisories/osv-scanner-localdb/osv-scanner/PyPI/all.zip"
_STACK = (
    "vllm==0.8.4",
    "transformers==4.36.0",
    "torch==2.3.0+cu121",
    "gradio==4.19.0",
    "mlflow==2.9.2",
)


def _database(ctx: DemoContext) -> tuple[Path, str]:
    """Build the demo index: the shared OSV snapshot when reachable, else built-in records."""
    dest = ctx.workspace.root / "osv"
    snapshot = shared_file(_SNAPSHOT)
    started = time.perf_counter()
    if snapshot is not None:
        stats = build_index(snapshot, dest)
        label = f"OSV PyPI snapshot ({snapshot})"
    else:
        records = write_sample_records(ctx.workspace.root / "osv-sample")
        stats = build_index(records, dest)
        label = "built-in sample records (no shared/ OSV snapshot beside this checkout)"
    took = time.perf_counter() - started
    ctx.console.print(
        f"advisories: {stats.records} records ({stats.withdrawn} withdrawn) for "
        f"{stats.packages} packages from {label}, indexed in {took:.1f} s"
    )
    return dest, label


def _patch_section(ctx: DemoContext) -> None:
    try:
        dest, _ = _database(ctx)
    except VulnError as exc:
        ctx.console.print(f"skipped: cannot build the advisory index: {exc.message}")
        return
    serving = ctx.workspace.root / "serving"
    serving.mkdir(parents=True, exist_ok=True)
    requirements = serving / "requirements.txt"
    requirements.write_text("\n".join(_STACK) + "\n", encoding="utf-8")
    packages = list(read_inventory(requirements).packages)
    today = datetime.now(UTC).date()
    with AdvisoryDatabase.open(dest) as db:
        result = match_packages(packages, db, today=today, deployment="demo-gateway")
        plans = {p.package: p for p in plan_upgrades(result.vulnerabilities, db, today=today)}
    store = JsonSlaStateStore(ctx.workspace.root / "sla-state.json")
    record_sightings(store, "demo-gateway", result.sla_entries, today)
    table = Table(title="Patch management: the demo serving stack", title_justify="left")
    for column in ("package", "vulns", "critical", "high", "worst", "clear at", "first SLA due"):
        table.add_column(column)
    for package in packages:
        mine = [v for v in result.vulnerabilities if v.package == package.name]
        if not mine:
            table.add_row(package.name + " " + package.version, "0", "0", "0", "-", "-", "-")
            continue
        worst = max(mine, key=lambda v: (v.severity, v.score or 0))
        plan = plans.get(package.name)
        due = min(v.sla_due for v in mine if v.sla_due is not None)
        table.add_row(
            f"{package.name} {package.version}",
            str(len(mine)),
            str(sum(v.severity.label == "critical" for v in mine)),
            str(sum(v.severity.label == "high" for v in mine)),
            worst.id,
            _clear_at(plan),
            due.isoformat(),
        )
    ctx.console.print(table)
    ambiguous = [f for f in result.report.findings if f.rule_id == "vuln.osv.ambiguous"]
    ctx.console.print(
        f"{len(result.vulnerabilities)} vulnerabilities (one per alias group), "
        f"{len(ambiguous)} records that cannot be evaluated exactly (vuln.osv.ambiguous); "
        f"SLA clocks started in {store.path.name}"
    )
    bom = build_bom(
        ctx.workspace.clean,
        packages,
        result.vulnerabilities,
        license_id="apache-2.0",
        base_model=None,
    )
    target = ctx.workspace.root / "tiny-llama.cdx.json"
    target.write_text(bom, encoding="utf-8")
    body = json.loads(bom)
    ctx.console.print(
        f"AI-BOM (CycloneDX {body['specVersion']}): {target} with "
        f"{len(body.get('components', []))} runtime components and "
        f"{len(body.get('vulnerabilities', []))} vulnerabilities"
    )


def _clear_at(plan: Upgrade | None) -> str:
    """The smallest upgrade that clears the package, as ``vulns`` shows it."""
    if plan is None or plan.to is None:
        return "no fix"
    return plan.to if plan.complete else f"{plan.to} (partly)"


DEMO_SECTIONS: tuple[tuple[str, Section], ...] = (("patch management", _patch_section),)
"""Sections this area adds to ``modelsteward demo``."""
