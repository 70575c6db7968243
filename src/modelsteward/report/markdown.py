"""The one-page passport a reviewer reads: decision and reasons first, evidence below."""

from __future__ import annotations

from collections.abc import Sequence

from modelsteward.policy import Decision, Outcome, Passport, Reason

_OUTCOME_TEXT = {
    Outcome.APPROVE: "APPROVED",
    Outcome.NEEDS_REVIEW: "NEEDS REVIEW",
    Outcome.REJECT: "REJECTED",
}


def render_passports(items: Sequence[tuple[Passport, Decision]]) -> str:
    """All passports of a run, one page each, separated by a horizontal rule."""
    return "\n---\n\n".join(render_passport(p, d) for p, d in items)


def render_passport(passport: Passport, decision: Decision) -> str:
    """One passport as GitHub-flavoured markdown, ending with a newline."""
    ident = passport.identity
    lines = [f"# Model passport: {_cell(ident.name)}", ""]
    verdict = _OUTCOME_TEXT[decision.outcome]
    if decision.roles and decision.outcome is Outcome.NEEDS_REVIEW:
        verdict += " by " + ", ".join(r.value for r in decision.roles)
    lines += [
        f"**Decision: {verdict}** (policy `{decision.policy_name}`,"
        f" digest `{decision.policy_digest[:12]}`)",
        "",
        "| | |",
        "|---|---|",
        f"| Source | `{_cell(ident.source)}` |",
        f"| Revision | {_cell(ident.revision or '-')} |",
        f"| Files | {len(ident.files)} ({_size(sum(f.size for f in ident.files))}) |",
        f"| Use | {_use(passport)} |",
        f"| Vetted | {passport.vetted_at or '-'} |",
        "",
    ]
    lines += _reasons("Reasons", decision.reasons)
    lines += _reasons("Warnings (not enforced)", decision.warnings)
    if decision.waived:
        lines += ["## Waived by exceptions", "", "| rule | finding | owner | expires | reason |"]
        lines.append("|---|---|---|---|---|")
        for w in decision.waived:
            e = w.exception
            lines.append(
                f"| {w.reason.rule} | {w.reason.finding} | {_cell(e.owner)}"
                f" | {e.expires.isoformat()} | {_cell(e.reason)} |"
            )
        lines.append("")
    for e in decision.expired:
        lines.append(f"- Expired exception for `{e.rule}` (owner {e.owner}, {e.expires}) ignored.")
    lines += _license(passport)
    lines += _scan(passport)
    lines += _vulns(passport)
    lines += _code_and_safety(passport)
    lines += ["## Checks", "", "| check | state | detail |", "|---|---|---|"]
    lines += [f"| {c.name.value} | {c.state.value} | {_cell(c.detail)} |" for c in passport.checks]
    lines += ["", "## File manifest", "", "| file | kind | size | sha256 |", "|---|---|---|---|"]
    lines += [
        f"| `{_cell(f.path)}` | {f.kind} | {_size(f.size)} | `{f.sha256 or '-'}` |"
        for f in ident.files
    ]
    return "\n".join(lines) + "\n"


def _reasons(title: str, reasons: Sequence[Reason]) -> list[str]:
    if not reasons:
        return [] if title.startswith("Warnings") else [f"## {title}", "", "None.", ""]
    out = [
        f"## {title}",
        "",
        "| outcome | rule | finding | location | why |",
        "|---|---|---|---|---|",
    ]
    for r in reasons:
        roles = f" ({', '.join(x.value for x in r.roles)})" if r.roles else ""
        out.append(
            f"| {r.outcome.value}{roles} | `{r.rule}` | `{r.finding}`"
            f" | `{_cell(r.location.describe())}` | {_cell(r.message)} |"
        )
    return [*out, ""]


def _license(passport: Passport) -> list[str]:
    lic = passport.license
    out = ["## License", ""]
    if lic is None:
        state = next((c.state.value for c in passport.checks if c.name == "license"), "missing")
        return [*out, f"No verdict: the license check is {state}.", ""]
    out += [
        f"- License: **{_cell(lic.license_id or 'unknown')}** ({lic.status},"
        f" family {lic.family or 'unknown'})",
        f"- Decision for this use: **{lic.decision}**",
    ]
    if lic.flags:
        out.append("- Flags: " + ", ".join(f"`{f}`" for f in lic.flags))
    out += [f"- Obligation: {_cell(o)}" for o in lic.obligations]
    return [*out, ""]


def _scan(passport: Passport) -> list[str]:
    found = [
        f
        for f in passport.report.sorted().findings
        if f.rule_id.startswith(("scan.", "inventory."))
    ]
    out = ["## Model files", ""]
    if not found:
        return [*out, "No findings in the model files.", ""]
    out += ["| severity | rule | location | what | evidence |", "|---|---|---|---|---|"]
    out += [
        f"| {f.severity.label} | `{f.rule_id}` | `{_cell(f.location.describe())}`"
        f" | {_cell(f.message)} | `{_cell(f.evidence[:120])}` |"
        for f in found
    ]
    return [*out, ""]


def _vulns(passport: Passport) -> list[str]:
    out = ["## Serving stack advisories", ""]
    facts = passport.vulns
    if facts is None:
        state = next((c for c in passport.checks if c.name == "vulns"), None)
        detail = f"{state.state.value}: {state.detail}" if state else "not recorded"
        return [*out, f"Not checked ({_cell(detail)}).", ""]
    out.append(f"{facts.packages} packages from `{_cell(facts.inventory)}`.")
    out.append("")
    if not facts.vulnerabilities:
        return [*out, "No known advisories.", ""]
    out += ["| advisory | package | version | severity | fixed in |", "|---|---|---|---|---|"]
    ordered = sorted(facts.vulnerabilities, key=lambda v: (-v.severity, v.package, v.id))
    out += [
        f"| {v.id} | {v.package} | {v.version} | {v.severity.label}"
        f" | {', '.join(v.fixed_in) or '-'} |"
        for v in ordered
    ]
    return [*out, ""]


def _code_and_safety(passport: Passport) -> list[str]:
    code = passport.code
    custom = ", ".join(f"`{c}`" for c in code.custom_code) or "none"
    layer = "configured" if passport.safety.configured else "not configured"
    need = "required" if passport.safety.required else "not required"
    return [
        "## Code and safety",
        "",
        f"- Custom code shipped with the model: {custom}",
        f"- Needs `trust_remote_code`: {'yes' if code.trust_remote_code else 'no'}",
        f"- Safety layer: {need}, {layer}",
        "",
    ]


def _use(passport: Passport) -> str:
    use = passport.use
    facing = "customer-facing" if use.customer_facing else "internal"
    commercial = {True: ", commercial", False: ", non-commercial", None: ""}[use.commercial]
    return f"{_cell(use.profile or 'no use profile')} ({facing}{commercial})"


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
