"""Re-vetting when the world changes: find the passports a change can alter, and re-judge
exactly those through the fleet runner.

A passport is stale for ``policy``, ``licenses`` or ``rules`` when the version it records
differs from the current one (a passport that records none is stale for all of them). It is
stale for ``advisories`` when a deployment of the model runs a package that an advisory now
hits and the deployment's SLA clocks do not know yet (published or changed on or after
``since``, when given); re-judging it starts those clocks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from modelsteward.findings import Skipped
from modelsteward.policy import Policy
from modelsteward.registry import DeploymentRecord, ModelRecord, RegistryService
from modelsteward.services.fleet import FleetRun, batch
from modelsteward.services.versions import current_versions, stale_reasons

_PAGE = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class RevetItem:
    """One passport to re-judge, and why."""

    model: str
    model_id: int
    source: str
    reasons: tuple[str, ...]
    decision: str | None
    use: str | None
    """The use the passport was judged for (a preset name or profile path)."""
    new_advisories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """deployment target -> vulnerability ids its clocks did not know."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "model": self.model,
            "model_id": self.model_id,
            "source": self.source,
            "reasons": list(self.reasons),
            "decision": self.decision,
            "use": self.use,
            "new_advisories": {k: list(v) for k, v in self.new_advisories.items()},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RevetPlan:
    """What a change makes stale."""

    items: tuple[RevetItem, ...]
    versions: Mapping[str, str]
    kinds: tuple[str, ...]
    checked: int
    skipped: tuple[Skipped, ...] = ()
    advisory_db: Path | None = None
    since: date | None = None
    deployments: tuple[DeploymentRecord, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The JSON ``revet`` object."""
        return {
            "checked": self.checked,
            "stale": len(self.items),
            "kinds": list(self.kinds),
            "since": None if self.since is None else self.since.isoformat(),
            "versions": dict(self.versions),
            "items": [i.to_dict() for i in self.items],
        }


def _models(registry: RegistryService) -> Iterator[ModelRecord]:
    offset = 0
    while True:
        page = registry.list_models(_PAGE, offset)
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def _new_advisories(
    registry: RegistryService,
    deployments: Sequence[DeploymentRecord],
    db_path: Path,
    since: date | None,
) -> dict[str, tuple[str, ...]]:
    """Per deployment: vulnerabilities its runtime now has that its clocks do not know."""
    from modelsteward.vulns import AdvisoryDatabase, Package, match_packages

    known = {(e.deployment, e.vuln_id) for e in registry.sla_state().entries()}
    out: dict[str, tuple[str, ...]] = {}
    with AdvisoryDatabase.open(db_path) as db:
        for dep in deployments:
            packages = [
                Package(name=p["name"], version=p["version"], source=f"deployment:{dep.target}")
                for p in dep.runtime_inventory
                if p.get("name") and p.get("version")
            ]
            if not packages:
                continue
            result = match_packages(packages, db, deployment=dep.target)
            fresh = []
            for vuln in result.vulnerabilities:
                if (dep.target, vuln.id) in known:
                    continue
                if since is not None:
                    advisory = db.get(vuln.id)
                    stamp = (advisory.modified or advisory.published) if advisory else ""
                    if stamp and stamp[:10] < since.isoformat():
                        continue
                fresh.append(vuln.id)
            if fresh:
                out[dep.target] = tuple(sorted(set(fresh)))
    return out


def plan_revet(
    registry: RegistryService,
    policy: Policy,
    advisory_db: Path | None,
    kinds: tuple[str, ...],
    since: date | None = None,
) -> RevetPlan:
    """Every registered model whose current passport a change can alter."""
    current = current_versions(policy, advisory_db)
    deployments = tuple(registry.deployments())
    by_model: dict[int, list[DeploymentRecord]] = {}
    for dep in deployments:
        by_model.setdefault(dep.model_id, []).append(dep)
    items: list[RevetItem] = []
    skipped: list[Skipped] = []
    checked = 0
    for model in _models(registry):
        detail = registry.show(model.id)
        passports = [p for p in detail.passports if p.manifest_digest == model.manifest_digest]
        if not passports:
            skipped.append(Skipped(model.name, "no passport for its current files; vet it first"))
            continue
        checked += 1
        latest = max(passports, key=lambda p: p.version)
        doc: Mapping[str, Any] = latest.passport
        version_kinds = tuple(k for k in kinds if k != "advisories")
        reasons = stale_reasons(doc.get("versions"), current, version_kinds)
        fresh: dict[str, tuple[str, ...]] = {}
        deps = [d for d in by_model.get(model.id, []) if d.manifest_digest == model.manifest_digest]
        if "advisories" in kinds and advisory_db is not None and deps:
            fresh = _new_advisories(registry, deps, advisory_db, since)
            if fresh:
                reasons.append("advisories")
        if not reasons:
            continue
        use = doc.get("use") if isinstance(doc.get("use"), Mapping) else {}
        items.append(
            RevetItem(
                model=model.name,
                model_id=model.id,
                source=model.source,
                reasons=tuple(reasons),
                decision=latest.decision.value,
                use=use.get("profile") if isinstance(use, Mapping) else None,
                new_advisories=fresh,
            )
        )
    return RevetPlan(
        items=tuple(items),
        versions=current,
        kinds=kinds,
        checked=checked,
        skipped=tuple(skipped),
        advisory_db=advisory_db,
        since=since,
        deployments=deployments,
    )


def start_clocks(registry: RegistryService, plan: RevetPlan, today: date | None = None) -> int:
    """Start SLA clocks for the new advisories of every affected deployment; returns how
    many clocks were written."""
    if plan.advisory_db is None:
        return 0
    from modelsteward.vulns import AdvisoryDatabase, Package, match_packages, record_sightings

    targets = {t for item in plan.items for t in item.new_advisories}
    day = today or datetime.now(UTC).date()
    store = registry.sla_state()
    written = 0
    with AdvisoryDatabase.open(plan.advisory_db) as db:
        for dep in plan.deployments:
            if dep.target not in targets:
                continue
            packages = [
                Package(name=p["name"], version=p["version"], source=f"deployment:{dep.target}")
                for p in dep.runtime_inventory
                if p.get("name") and p.get("version")
            ]
            result = match_packages(
                packages, db, today=day, state=store.entries(), deployment=dep.target
            )
            written += len(record_sightings(store, dep.target, result.sla_entries, day))
    return written


def run_revet(
    plan: RevetPlan,
    *,
    dsn: str,
    actor: str,
    policy_path: Path | None,
    workers: int = 2,
    use_ray: bool = False,
    ray_address: str | None = None,
    registry: RegistryService | None = None,
) -> FleetRun:
    """Start the clocks, then re-judge every stale passport and record the new ones
    (approval requests open where the decision now needs review)."""
    from modelsteward.registry import open_registry

    own = registry is None
    service = registry or open_registry(dsn)
    try:
        start_clocks(service, plan)
    finally:
        if own:
            service.close()
    spec: dict[str, Any] = {
        "policy": str(policy_path) if policy_path is not None else None,
        "db": str(plan.advisory_db) if plan.advisory_db is not None else None,
        "registry": dsn,
        "actor": actor,
        "hash": True,
        "versions": dict(plan.versions),
        "per_target": {i.source: {"use": i.use} for i in plan.items if i.use},
    }
    return batch(
        [i.source for i in plan.items],
        spec,
        use_ray=use_ray,
        ray_address=ray_address,
        workers=workers,
    )
