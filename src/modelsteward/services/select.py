"""The selection flow: read a scenario, gather each open candidate's evidence from its
passport (registry, local path or Hub id), size and cost every candidate, decide, and record
the decision in the registry for the roles the policy names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelsteward.licenses import UseProfile, evaluate, load_kb
from modelsteward.policy import Policy
from modelsteward.policy import evaluate as decide_policy
from modelsteward.registry import NotFoundError, RegistryService
from modelsteward.registry.decisions import record_decision
from modelsteward.registry.records import DecisionRecord, Role
from modelsteward.selection.decide import decide
from modelsteward.selection.measure import Throughput
from modelsteward.selection.prices import load_prices
from modelsteward.selection.result import Evidence, Selection
from modelsteward.selection.scenario import OpenCandidate, Scenario, SelectionError, UseCase
from modelsteward.vet.run import VetOptions, vet_paths

_UNTRUSTED_STATUS = {"modified", "truncated", "unknown"}
"""Text statuses the license check itself sends to review."""


def use_profile(use: UseCase) -> UseProfile:
    """The license use profile a scenario's use case implies."""
    return UseProfile(
        commercial=use.commercial,
        monthly_active_users=use.monthly_active_users,
        annual_revenue_usd=use.annual_revenue_usd,
        customer_facing=use.customer_facing,
        fine_tuning=use.fine_tuning,
        eu_entity=use.eu_entity,
        multimodal=use.multimodal,
        redistribution=use.redistribution,
    )


def _license_verdict(
    license_id: str | None, status: str, flags: Sequence[str], profile: UseProfile
) -> tuple[str | None, str | None, tuple[str, ...], tuple[str, ...]]:
    """(id, decision, reasons, obligations) of a known license for ``profile``."""
    kb = load_kb()
    resolved = kb.lookup(license_id) if license_id else None
    info = kb.get(resolved) if resolved else None
    if info is None:
        return (
            license_id,
            None,
            (f"license {license_id or 'unknown'} is not in the knowledge base",),
            (),
        )
    if status in _UNTRUSTED_STATUS or "lineage_license_conflict" in flags:
        why = f"license text is {status}" if status in _UNTRUSTED_STATUS else "lineage conflict"
        return info.id, "needs_review", (why,), ()
    verdict = evaluate(profile, [info])
    return info.id, verdict.decision.value, verdict.reasons, verdict.obligations


def _from_passport(source: str, data: Mapping[str, Any], profile: UseProfile) -> Evidence:
    lic = data.get("license") or {}
    license_id, decision, reasons, obligations = _license_verdict(
        lic.get("id"), str(lic.get("status", "unknown")), lic.get("flags") or (), profile
    )
    report = data.get("report") or {}
    high = sum(
        1
        for f in report.get("findings") or ()
        if str(f.get("severity")) in ("high", "critical")
        and not str(f.get("rule_id", "")).startswith(("vuln.", "license."))
    )
    verdict = data.get("decision") or {}
    policy_reasons = tuple(
        str(r.get("message", r)) if isinstance(r, Mapping) else str(r)
        for r in verdict.get("reasons") or ()
        if not isinstance(r, Mapping) or r.get("outcome", "reject") == "reject"
    )
    safety = data.get("safety") or {}
    evaluation = safety.get("evaluation") if isinstance(safety, Mapping) else None
    passed = isinstance(evaluation, Mapping) and evaluation.get("passed") is True
    vulns = data.get("vulns") or {}
    return Evidence(
        source=source,
        license_id=license_id,
        license_decision=decision,
        license_reasons=reasons,
        obligations=obligations,
        policy_outcome=verdict.get("outcome"),
        policy_reasons=policy_reasons,
        high_findings=high,
        vulnerabilities=len(vulns.get("vulnerabilities") or ()),
        safety_evaluated=passed,
    )


def _stated(cand: OpenCandidate, profile: UseProfile) -> Evidence:
    license_id, decision, reasons, obligations = _license_verdict(
        cand.license, "exact", (), profile
    )
    return Evidence(
        source="stated",
        license_id=license_id,
        license_decision=decision,
        license_reasons=reasons,
        obligations=obligations,
    )


def _vetted(target: str, profile: UseProfile, policy: Policy, label: str) -> Evidence:
    run = vet_paths([target], VetOptions(use=profile, use_label=label, hash_files=False))
    passport = run.passports[0]
    decision = decide_policy(policy, passport)
    data = {**passport.to_dict(), "decision": decision.to_dict()}
    evidence = _from_passport(target, data, profile)
    lic = passport.license
    if lic is None:
        return evidence
    # The vet judged these files (lineage included) for exactly this use: its verdict stands.
    reasons = evidence.license_reasons if lic.decision == evidence.license_decision else ()
    if not reasons and lic.decision == "needs_review":
        reasons = tuple(lic.flags) or (f"license text is {lic.status}",)
    return Evidence(
        **{
            **_fields(evidence),
            "license_id": lic.license_id,
            "license_decision": lic.decision,
            "license_reasons": reasons,
            "obligations": lic.obligations,
        }
    )


def _fields(ev: Evidence) -> dict[str, Any]:
    return {name: getattr(ev, name) for name in Evidence.__dataclass_fields__}


def gather_evidence(
    scenario: Scenario,
    base_dir: Path,
    *,
    policy: Policy,
    registry: RegistryService | None = None,
) -> dict[str, Evidence]:
    """Each open candidate's evidence, keyed by candidate name.

    A ``model`` is, in order: ``hf://ORG/NAME`` (vetted from the Hub), an existing path
    (relative to the scenario; vetted now), or a registered model (its newest passport).

    Raises:
        SelectionError: when a model is neither a path, a Hub id nor a registered model.
    """
    profile = use_profile(scenario.use)
    out: dict[str, Evidence] = {}
    for cand in scenario.open:
        if cand.model is None:
            out[cand.name] = _stated(cand, profile)
            continue
        ref = cand.model.removeprefix("registry:")
        path = Path(ref) if Path(ref).is_absolute() else base_dir / ref
        if cand.model.startswith("hf://"):
            out[cand.name] = _vetted(cand.model, profile, policy, scenario.name)
        elif not cand.model.startswith("registry:") and path.exists():
            out[cand.name] = _vetted(str(path), profile, policy, scenario.name)
        elif registry is not None:
            out[cand.name] = _registered(registry, ref, profile)
        else:
            raise SelectionError(
                f"open candidate {cand.name!r}: {cand.model!r} is not a path and no registry "
                "is open",
                hint="give a model directory, an hf:// id, or a registered model with --registry",
            )
    return out


def _registered(registry: RegistryService, name: str, profile: UseProfile) -> Evidence:
    try:
        detail = registry.show(name)
    except NotFoundError:
        raise SelectionError(
            f"{name!r} is neither a model directory nor a registered model",
            hint="give a path (relative to the scenario), hf://ORG/NAME, or a model recorded "
            "with `modelsteward vet --record`",
        ) from None
    current = [p for p in detail.passports if p.manifest_digest == detail.model.manifest_digest]
    if not current:
        return Evidence(
            source=f"registry:{name}",
            license_id=None,
            license_decision=None,
            license_reasons=("it has no passport for its current files",),
            manifest_digest=detail.model.manifest_digest,
        )
    latest = max(current, key=lambda p: p.version)
    data = {
        **latest.passport,
        "decision": {**_decision_of(latest.passport), "outcome": latest.decision.value},
    }
    evidence = _from_passport(f"registry:{name}", data, profile)
    return Evidence(**{**_fields(evidence), "manifest_digest": detail.model.manifest_digest})


def _decision_of(passport: Mapping[str, Any]) -> dict[str, Any]:
    stored = passport.get("decision")
    return dict(stored) if isinstance(stored, Mapping) else {}


def throughput_of(
    scenario: Scenario, measured: Mapping[str, Throughput]
) -> dict[str, tuple[float, str]]:
    """Tokens per second per GPU for each open candidate, and where the figure came from.

    Raises:
        SelectionError: when a candidate has neither a stated nor a measured figure.
    """
    out: dict[str, tuple[float, str]] = {}
    for cand in scenario.open:
        found = measured.get(cand.name)
        gpus = cand.measure.gpus if cand.measure else 1
        if found is not None:
            out[cand.name] = (
                round(found.tokens_per_second / gpus, 2),
                f"measured at {found.endpoint} ({found.model}): {found.completion_tokens} "
                f"tokens in {found.seconds:.1f} s at concurrency {found.concurrency}, "
                f"over {gpus} GPU(s)",
            )
        elif cand.tokens_per_second_per_gpu is not None:
            out[cand.name] = (cand.tokens_per_second_per_gpu, "stated in the scenario")
        else:
            raise SelectionError(
                f"open candidate {cand.name!r} has no throughput figure",
                hint="state tokens_per_second_per_gpu or measure it with --measure",
            )
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectionRun:
    """A selection and what it was computed from."""

    selection: Selection
    evidence: Mapping[str, Evidence]


def run_selection(
    scenario: Scenario,
    digest: str,
    *,
    base_dir: Path,
    policy: Policy,
    prices: Path | None = None,
    registry: RegistryService | None = None,
    measured: Mapping[str, Throughput] | None = None,
    today: str | None = None,
) -> SelectionRun:
    """Judge a scenario end to end.

    Raises:
        SelectionError: when a price file or a candidate cannot be read.
    """
    price_file = prices
    if price_file is None and scenario.prices is not None:
        price_file = Path(scenario.prices)
        if not price_file.is_absolute():
            price_file = base_dir / price_file
    table = load_prices(price_file)
    evidence = gather_evidence(scenario, base_dir, policy=policy, registry=registry)
    selection = decide(
        scenario,
        digest,
        table,
        evidence,
        throughput_of(scenario, measured or {}),
        today=today or datetime.now(UTC).date().isoformat(),
    )
    return SelectionRun(selection=selection, evidence=evidence)


def record_selection(
    registry: RegistryService, run: SelectionRun, *, policy: Policy, actor: str
) -> DecisionRecord:
    """Store the selection as a decision record awaiting the roles the policy names.

    Raises:
        RegistryError: when the registry refuses the record.
    """
    sel = run.selection
    models = [
        ev.source.removeprefix("registry:")
        for ev in run.evidence.values()
        if ev.source.startswith("registry:")
    ]
    roles = tuple(Role.parse(r.value) for r in policy.approvals.selection)
    return record_decision(
        registry.store,
        kind="selection",
        name=sel.scenario,
        digest=sel.digest,
        subject=sel.choice or "none",
        payload={
            "selection": sel.to_dict(),
            "policy": {"name": policy.name, "digest": policy.digest},
        },
        requester=actor,
        required_roles=roles,
        models=models,
    )
