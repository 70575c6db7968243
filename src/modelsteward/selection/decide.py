"""Criteria: hard constraints first (a candidate that fails one is out, with the reason),
then weighted scores among the rest, then the decision with its rationale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from modelsteward.selection.constraints import commercial_constraints, open_constraints
from modelsteward.selection.prices import Assumption, Prices
from modelsteward.selection.result import CandidateResult, Evidence, Selection
from modelsteward.selection.scenario import (
    CommercialOption,
    OpenCandidate,
    Scenario,
)
from modelsteward.selection.tco import (
    Plan,
    Traffic,
    break_even,
    commercial_cost,
    self_hosted_cost,
)

VOLUME_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
GPU_PRICE_FACTORS = (0.5, 1.0, 1.5)
UTILIZATIONS = (0.4, 0.6, 0.8)


def plan_of(cand: OpenCandidate, throughput: float, utilization: float | None = None) -> Plan:
    """The serving plan of an open candidate at ``throughput`` tokens/s per GPU."""
    return Plan(
        gpu=cand.gpu,
        gpus_per_replica=cand.gpus_per_replica,
        tokens_per_second_per_gpu=throughput,
        utilization=cand.target_utilization if utilization is None else utilization,
        min_replicas=cand.min_replicas,
        model_size_gb=cand.model_size_gb,
        safety_layer=cand.safety_layer,
    )


def _ratio(best: float, value: float | None, *, lower_is_better: bool) -> float:
    if value is None or value <= 0:
        return 0.0
    return best / value if lower_is_better else value / best


def _scores(results: Sequence[CandidateResult], scenario: Scenario) -> dict[str, dict[str, float]]:
    """Per-criterion scores in [0, 1] for the eligible candidates; no evidence scores 0."""
    eligible = [r for r in results if r.eligible]
    if not eligible:
        return {}
    facts: dict[str, OpenCandidate | CommercialOption] = {c.name: c for c in scenario.open}
    facts.update((c.name, c) for c in scenario.commercial)
    cheapest = min(r.cost.monthly_usd for r in eligible)
    qualities = [q for r in eligible if (q := facts[r.name].quality) is not None]
    latencies = [lat for r in eligible if (lat := facts[r.name].latency_p95_ms) is not None]
    out: dict[str, dict[str, float]] = {}
    for r in eligible:
        fact = facts[r.name]
        tunes = 1.0 if r.kind == "open" else (0.5 if getattr(fact, "fine_tuning", False) else 0.0)
        out[r.name] = {
            "cost": _ratio(cheapest, r.cost.monthly_usd, lower_is_better=True),
            "quality": _ratio(max(qualities), fact.quality, lower_is_better=False)
            if qualities and max(qualities) > 0
            else 0.0,
            "latency": _ratio(min(latencies), fact.latency_p95_ms, lower_is_better=True)
            if latencies
            else 0.0,
            "independence": fact.independence,
            "fine_tuning": tunes,
        }
    return out


def _weighted(scores: Mapping[str, float], scenario: Scenario) -> float:
    w = scenario.weights
    total = (
        w.cost * scores["cost"]
        + w.quality * scores["quality"]
        + w.latency * scores["latency"]
        + w.independence * scores["independence"]
        + w.fine_tuning * scores["fine_tuning"]
    )
    return total / w.total


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _rationale(chosen: CandidateResult | None, results: Sequence[CandidateResult]) -> str:
    out = [r for r in results if not r.eligible]
    dropped = "; ".join(f"{r.name} is out: {r.reasons[0]}" for r in out)
    if chosen is None:
        return "No candidate meets the hard constraints. " + (dropped + ".")
    others = sorted(
        (r for r in results if r.eligible and r is not chosen),
        key=lambda r: -(r.score or 0.0),
    )
    text = (
        f"{chosen.name} ({chosen.kind}) has the best weighted score, {chosen.score:.2f}, at "
        f"{_money(chosen.cost.monthly_usd)} a month"
    )
    if others:
        runner = others[0]
        text += (
            f"; next is {runner.name} ({runner.kind}) at {runner.score:.2f} and "
            f"{_money(runner.cost.monthly_usd)} a month"
        )
    if chosen.kind == "open" and chosen.break_even is not None and chosen.break_even_against:
        text += (
            f"; self-hosting is no dearer than {chosen.break_even_against} from "
            f"{chosen.break_even:,.0f} requests a month"
        )
    text += "."
    if dropped:
        text += f" {dropped}."
    return text


def decide(
    scenario: Scenario,
    digest: str,
    prices: Prices,
    evidence: Mapping[str, Evidence],
    throughput: Mapping[str, tuple[float, str]],
    *,
    advisories_per_month: float | None = None,
    advisories_source: Assumption | None = None,
    today: str,
) -> Selection:
    """Judge every candidate of ``scenario`` and choose one.

    ``evidence`` and ``throughput`` (tokens/s per GPU and where the figure came from) are
    keyed by open candidate name.
    """
    use = scenario.use
    traffic = Traffic.of(use, prices)
    cf = use.customer_facing
    commercial: list[CandidateResult] = []
    for option in scenario.commercial:
        reasons = commercial_constraints(option, use)
        commercial.append(
            CandidateResult(
                name=option.name,
                kind="commercial",
                eligible=not reasons,
                reasons=tuple(reasons),
                cost=commercial_cost(option, traffic, prices, customer_facing=cf),
            )
        )
    eligible_api = [
        (o, r) for o, r in zip(scenario.commercial, commercial, strict=True) if r.eligible
    ]
    cheapest_api = min(eligible_api, key=lambda p: p[1].cost.monthly_usd, default=None)
    opened: list[CandidateResult] = []
    for cand in scenario.open:
        ev = evidence[cand.name]
        tps, tps_source = throughput[cand.name]
        plan = plan_of(cand, tps)
        out, notes = open_constraints(cand, ev, use)
        evens = {
            option.name: break_even(
                plan,
                option,
                traffic,
                prices,
                customer_facing=cf,
                advisories_per_month=advisories_per_month,
            )
            for option in scenario.commercial
        }
        even = None if cheapest_api is None else evens[cheapest_api[0].name]
        opened.append(
            CandidateResult(
                name=cand.name,
                kind="open",
                eligible=not out,
                reasons=tuple(out or notes),
                cost=self_hosted_cost(
                    plan,
                    traffic,
                    prices,
                    customer_facing=cf,
                    advisories_per_month=advisories_per_month,
                ),
                break_even=even,
                break_even_against=None if cheapest_api is None else cheapest_api[0].name,
                break_evens=evens,
                evidence=ev,
                throughput=tps,
                throughput_source=tps_source,
            )
        )
    results = [*opened, *commercial]
    per = _scores(results, scenario)
    scored = [
        _with_score(r, per[r.name], _weighted(per[r.name], scenario)) if r.name in per else r
        for r in results
    ]
    ranked = sorted(
        (r for r in scored if r.eligible),
        key=lambda r: (-(r.score or 0.0), r.cost.monthly_usd, r.name),
    )
    chosen = ranked[0] if ranked else None
    return Selection(
        scenario=scenario.name,
        digest=digest,
        horizon_months=scenario.horizon_months,
        requests_per_month=traffic.requests_per_month,
        choice=None if chosen is None else chosen.name,
        kind=None if chosen is None else chosen.kind,
        rationale=_rationale(chosen, scored),
        candidates=tuple(scored),
        assumptions=_assumptions(scenario, prices, throughput, advisories_source, today),
        sensitivity=sensitivity(
            scenario, prices, throughput, scored, advisories_per_month=advisories_per_month
        ),
    )


def _with_score(r: CandidateResult, scores: Mapping[str, float], score: float) -> CandidateResult:
    return CandidateResult(
        name=r.name,
        kind=r.kind,
        eligible=r.eligible,
        reasons=r.reasons,
        cost=r.cost,
        break_even=r.break_even,
        break_even_against=r.break_even_against,
        break_evens=r.break_evens,
        score=score,
        scores=dict(scores),
        evidence=r.evidence,
        throughput=r.throughput,
        throughput_source=r.throughput_source,
    )


def _assumptions(
    scenario: Scenario,
    prices: Prices,
    throughput: Mapping[str, tuple[float, str]],
    advisories: Assumption | None,
    today: str,
) -> tuple[Assumption, ...]:
    items = [
        Assumption(
            name="price_data.version",
            value=prices.version,
            source="price data in force",
            date=prices.version,
        ),
        Assumption(
            name="hours_per_month",
            value=f"{prices.hours_per_month:g}",
            source="24 h x 365 d / 12",
            date=prices.version,
        ),
        Assumption(
            name="days_per_month",
            value=f"{prices.days_per_month:g}",
            source="365 d / 12",
            date=prices.version,
        ),
    ]
    for gpu in sorted({c.gpu for c in scenario.open}):
        items.append(prices.gpu_assumption(gpu))
    for name in sorted(prices.values):
        if name == "advisories_per_month" and advisories is not None:
            items.append(advisories)
            continue
        items.append(prices.assumption(name))
    for cand in scenario.open:
        tps, source = throughput[cand.name]
        items.append(
            Assumption(
                name=f"{cand.name}.tokens_per_second_per_gpu",
                value=f"{tps:g}",
                source=source,
                date=today,
            )
        )
        items.append(
            Assumption(
                name=f"{cand.name}.target_utilization",
                value=f"{cand.target_utilization:g}",
                source="stated in the scenario",
                date=today,
            )
        )
    for option in scenario.commercial:
        items.append(
            Assumption(
                name=f"{option.name}.usd_per_mtok",
                value=f"in {option.input_usd_per_mtok:g} / out {option.output_usd_per_mtok:g}",
                source=option.price_source,
                date=option.price_date or today,
            )
        )
    return tuple(items)


def sensitivity(
    scenario: Scenario,
    prices: Prices,
    throughput: Mapping[str, tuple[float, str]],
    results: Sequence[CandidateResult],
    *,
    advisories_per_month: float | None = None,
) -> tuple[dict[str, object], ...]:
    """Monthly cost of every eligible candidate as volume, GPU price and utilisation vary."""
    eligible = {r.name for r in results if r.eligible}
    traffic = Traffic.of(scenario.use, prices)
    cf = scenario.use.customer_facing
    cases: list[tuple[float, float, float | None]] = [
        (v, g, None) for v in VOLUME_FACTORS for g in GPU_PRICE_FACTORS
    ]
    cases += [(1.0, 1.0, u) for u in UTILIZATIONS]
    rows: list[dict[str, object]] = []
    for volume, gpu_factor, util in cases:
        scaled = traffic.scaled(volume)
        costs: dict[str, float] = {}
        for cand in scenario.open:
            if cand.name in eligible:
                plan = plan_of(cand, throughput[cand.name][0], util)
                costs[cand.name] = self_hosted_cost(
                    plan,
                    scaled,
                    prices,
                    customer_facing=cf,
                    gpu_factor=gpu_factor,
                    advisories_per_month=advisories_per_month,
                ).monthly_usd
        for option in scenario.commercial:
            if option.name in eligible:
                costs[option.name] = commercial_cost(
                    option, scaled, prices, customer_facing=cf
                ).monthly_usd
        rows.append(
            {
                "volume_factor": volume,
                "requests_per_month": round(scaled.requests_per_month),
                "gpu_price_factor": gpu_factor,
                "utilization": util,
                "monthly_cost_usd": {k: round(v, 2) for k, v in costs.items()},
                "cheapest": min(costs, key=lambda k: costs[k]) if costs else None,
            }
        )
    return tuple(rows)
