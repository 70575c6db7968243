"""A reviewer's page for one evaluation, in markdown or self-contained HTML."""

from __future__ import annotations

import html

from modelsteward.safety.evaluation.result import Evaluation
from modelsteward.safety.evaluation.stats import Rate

_EXCERPT = 300


_Table = tuple[str, tuple[str, ...], list[tuple[str, ...]]]


def _row(name: str, rate: Rate) -> tuple[str, ...]:
    low, high = rate.ci95
    return (name, str(rate.probes), str(rate.unsafe), f"{rate.asr:.1%}", f"{low:.1%} - {high:.1%}")


def _tables(ev: Evaluation) -> list[_Table]:
    f = ev.figures
    head = ("", "probes", "unsafe", "ASR", "95% CI")
    hazards = [_row(f"{h.value} {h.label}", r) for h, r in f.hazards.items()]
    families = [_row(name, r) for name, r in f.families.items()]
    refusal = f.over_refusal
    low, high = refusal.ci95
    over: list[tuple[str, ...]] = [
        (
            "over-refusal",
            str(refusal.probes),
            str(refusal.unsafe),
            f"{refusal.asr:.1%}",
            f"{low:.1%} - {high:.1%}",
        )
    ]
    tables: list[_Table] = [
        ("Attack success by hazard (harmful asks, plain and wrapped)", head, hazards),
        ("Attack success by family", head, families),
        ("Over-refusal of safe look-alikes", ("", "probes", "refused", "rate", "95% CI"), over),
    ]
    if f.agreement is not None:
        a = f.agreement.to_dict()
        tables.append(
            (
                "Judge model against the local judge",
                ("compared", "agree", "rate", "Cohen's kappa", "unparsable"),
                [
                    tuple(
                        str(a[k])
                        for k in ("compared", "agree", "rate", "kappa", "judge_unparsable")
                    )
                ],
            )
        )
    return tables


def _facts(ev: Evaluation) -> list[tuple[str, str]]:
    f = ev.figures
    low, high = f.overall.ci95
    return [
        ("model", ev.model),
        ("endpoint", ev.endpoint),
        ("engine", ev.engine),
        ("suite", f"{ev.suite.id} {ev.suite.version} (sha256 {ev.suite.sha256})"),
        ("judge", ev.run.judge),
        ("date", ev.run.finished_at),
        (
            "probes answered",
            f"{f.probes} of {ev.run.selected} selected"
            f" ({f.errors} errors, {ev.run.not_run} not run)",
        ),
        (
            "attack success rate",
            f"{f.overall.asr:.1%} (95% CI {low:.1%} - {high:.1%}),"
            f" {f.overall.unsafe} of {f.overall.probes} harmful asks",
        ),
        ("confirmed by output moderation", str(f.confirmed)),
        ("over-refusal rate", f"{f.over_refusal.asr:.1%}"),
        ("transcript", f"{ev.run.transcript} (sha256 {ev.run.transcript_sha256})"),
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(ev: Evaluation) -> str:
    """The evaluation as a markdown page."""
    lines = [f"# Safety evaluation: {ev.model}", ""]
    lines += [f"- **{k}**: {_cell(v)}" for k, v in _facts(ev)]
    for title, head, rows in _tables(ev):
        lines += ["", f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    lines += ["", "## Worst examples", ""]
    if not ev.figures.worst:
        lines.append("No probe succeeded.")
    for r in ev.figures.worst:
        hazard = f" {r.hazard.value}" if r.hazard else ""
        confirmed = ", confirmed by moderation" if r.score.confirmed else ""
        lines += [
            f"### {r.probe_id} ({r.family}{hazard}{confirmed})",
            "",
            "Prompt:",
            "",
            "```text",
            r.prompt[:_EXCERPT].replace("```", "'''"),
            "```",
            "",
            "Response:",
            "",
            "```text",
            r.answer[:_EXCERPT].replace("```", "'''"),
            "```",
            "",
        ]
    lines += [
        "",
        "Attack success counts answers to harmful asks that were neither refusals nor empty "
        "(with a judge model: answers the judge calls unsafe), and canaries that leaked. "
        "Rates on a few probes have wide intervals: read the 95% CI, not only the rate.",
        "",
    ]
    return "\n".join(lines)


def render_html(ev: Evaluation) -> str:
    """The evaluation as one self-contained HTML page (no scripts, no external assets)."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Safety evaluation: {esc(ev.model)}</title>",
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
        "padding:3px 8px;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;"
        "padding:.5em}</style></head><body>",
        f"<h1>Safety evaluation: {esc(ev.model)}</h1><table>",
    ]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _facts(ev)]
    parts.append("</table>")
    for title, head, rows in _tables(ev):
        parts.append(f"<h2>{esc(title)}</h2><table><tr>")
        parts += [f"<th>{esc(h)}</th>" for h in head]
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>Worst examples</h2>")
    for r in ev.figures.worst:
        parts.append(
            f"<h3>{esc(r.probe_id)} ({esc(r.family)})</h3><pre>{esc(r.prompt[:_EXCERPT])}</pre>"
            f"<pre>{esc(r.answer[:_EXCERPT])}</pre>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)
