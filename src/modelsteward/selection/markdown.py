"""A selection rendered for people: the markdown report and the table cells the CLI shares."""

from __future__ import annotations

from modelsteward.selection.result import Selection


def money(value: float) -> str:
    """Whole US dollars with thousands separators."""
    return f"${value:,.0f}"


def sensitivity_row(row: dict[str, object]) -> tuple[str, ...]:
    """One sensitivity case as table cells."""
    costs = row["monthly_cost_usd"]
    assert isinstance(costs, dict)
    util = row["utilization"]
    return (
        f"x{row['volume_factor']:g}",
        f"x{row['gpu_price_factor']:g}",
        "target" if util is None else f"{util:g}",
        str(row["cheapest"] or "-"),
        ", ".join(f"{k} {money(float(v))}" for k, v in costs.items()),
    )


def render_selection(sel: Selection) -> str:
    """The selection as a markdown report: decision, candidates, costs, sensitivity and
    assumptions."""
    months = sel.horizon_months
    lines = [
        f"# Selection: {sel.scenario}",
        "",
        f"Scenario sha256 `{sel.digest}`; {sel.requests_per_month:,.0f} requests a month over "
        f"{months} months.",
        "",
        f"**Decision: {sel.choice or 'none'}** ({sel.kind or 'no eligible candidate'}). "
        f"{sel.rationale}",
        "",
        "## Candidates",
        "",
        f"| candidate | kind | eligible | per month | {months} months | break-even req/month "
        "| score | reasons |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for c in sel.candidates:
        even = "-" if c.break_even is None else f"{c.break_even:,.0f}"
        score = "-" if c.score is None else f"{c.score:.2f}"
        reasons = "; ".join(c.reasons).replace("|", "\\|") or "-"
        lines.append(
            f"| {c.name} | {c.kind} | {'yes' if c.eligible else 'no'} | "
            f"{money(c.cost.monthly_usd)} | {money(c.cost.over(months))} | {even} | {score} "
            f"| {reasons} |"
        )
    lines += ["", "## Cost parts per month", ""]
    for c in sel.candidates:
        parts = ", ".join(f"{k} {money(v)}" for k, v in c.cost.parts.items() if v)
        extra = (
            "" if c.cost.replicas is None else f" ({c.cost.replicas} replicas, {c.cost.gpus} GPUs)"
        )
        lines.append(f"- **{c.name}**{extra}: {parts}; setup {money(c.cost.setup_usd)}")
    lines += [
        "",
        "## Sensitivity",
        "",
        "| volume | GPU price | utilisation | cheapest | monthly costs |",
        "|---|---|---|---|---|",
    ]
    for row in sel.sensitivity:
        cells = sensitivity_row(row)
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Assumptions", "", "| name | value | source | date |", "|---|---|---|---|"]
    for a in sel.assumptions:
        lines.append(f"| {a.name} | {a.value} | {a.source} | {a.date} |")
    return "\n".join(lines) + "\n"
