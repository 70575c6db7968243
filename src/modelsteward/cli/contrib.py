"""``modelsteward contrib check|request|status|list``: a governed path from an engineer's patch
to an open-source project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelsteward.cli.demo_context import Section
from modelsteward.cli.state import CliState, get_state
from modelsteward.contrib.rules import RULES
from modelsteward.errors import UsageError
from modelsteward.findings import Report, Severity
from modelsteward.report import SummaryTable

if TYPE_CHECKING:
    from modelsteward.contrib.patch import Patch
    from modelsteward.policy import Policy
    from modelsteward.services.contribute import ContributionCheck

DEMO_SECTIONS: tuple[tuple[str, Section], ...] = ()


def register(app: typer.Typer) -> None:
    """Add the ``contrib`` group to ``app``."""
    group = typer.Typer(
        name="contrib",
        help="Governed contributions to open-source projects: check, request, status.",
        no_args_is_help=True,
    )
    group.command(
        "check",
        epilog="Examples:\n\n  modelsteward contrib check fix.patch --upstream ../vllm\n\n"
        "  modelsteward contrib check --repo . --range origin/main..my-fix "
        "--upstream github.com/vllm-project/vllm --upstream-license apache-2.0",
    )(check)
    group.command("request")(request)
    group.command("status")(status)
    group.command("list")(list_requests)
    app.add_typer(group)


PatchArg = Annotated[
    Path | None,
    typer.Argument(help="A patch file (git format-patch --stdout, or a diff).", show_default=False),
]
RepoOpt = Annotated[
    Path | None, typer.Option("--repo", help="A local git repository.", show_default=False)
]
RangeOpt = Annotated[
    str | None, typer.Option("--range", help="Commits to contribute, A..B.", show_default=False)
]
UpstreamOpt = Annotated[
    str | None,
    typer.Option(
        "--upstream",
        help="The target project: a local checkout (its LICENSE and CONTRIBUTING.md are read) "
        "or a name/URL such as github.com/org/repo.",
        show_default=False,
    ),
]
UpstreamLicenseOpt = Annotated[
    str | None,
    typer.Option("--upstream-license", help="The project's license id when it cannot be read."),
]
PolicyOpt = Annotated[
    Path | None, typer.Option("--policy", help="Policy YAML with a contributions section.")
]


def _load(patch: Path | None, repo: Path | None, revisions: str | None) -> Patch:
    from modelsteward.contrib.patch import read_patch, read_range

    if patch is not None and (repo is not None or revisions is not None):
        raise UsageError("give a patch file or --repo with --range, not both", hint="pick one")
    if patch is not None:
        return read_patch(patch)
    if repo is None or revisions is None:
        raise UsageError(
            "contrib needs a patch file, or --repo DIR with --range A..B",
            hint="for example: modelsteward contrib check --repo . --range main..my-fix",
        )
    return read_range(repo, revisions)


def _policy(path: Path | None) -> Policy:
    from modelsteward.policy import default_policy, load_policy

    return load_policy(path) if path is not None else default_policy()


def _upstream_name(upstream: str | None) -> tuple[str, Path | None]:
    if upstream is None:
        return "unknown", None
    path = Path(upstream)
    if path.is_dir():
        return path.resolve().name, path
    name = upstream.removeprefix("https://").removeprefix("http://").removesuffix(".git")
    return name.rstrip("/"), None


def _run_check(
    state: CliState,
    patch: Path | None,
    repo: Path | None,
    revisions: str | None,
    upstream: str | None,
    upstream_license: str | None,
    policy: Path | None,
    registry_dsn: str | None = None,
) -> tuple[ContributionCheck, Policy, object]:
    from modelsteward.contrib.checks import read_upstream
    from modelsteward.services.contribute import check_contribution

    chosen = _policy(policy)
    loaded = _load(patch, repo, revisions)
    name, directory = _upstream_name(upstream)
    up = read_upstream(name, directory, chosen.contributions, license_id=upstream_license)
    service = None
    if registry_dsn is not None:
        from modelsteward.registry import open_registry

        service = open_registry(registry_dsn)
    result = check_contribution(loaded, up, chosen.contributions, registry=service)
    return result, chosen, service


def _tables(result: ContributionCheck) -> tuple[SummaryTable, ...]:
    up = result.upstream
    facts = SummaryTable(
        title=f"contribution to {up.name}",
        columns=("field", "value"),
        rows=(
            ("patch digest", result.patch.digest),
            ("files", str(len(result.patch.files))),
            ("lines changed", str(result.patch.lines_changed)),
            ("commits", str(len(result.patch.commits))),
            ("upstream license", up.license or "unknown"),
            (
                "requires",
                ", ".join(x for x, on in (("DCO", up.requires_dco), ("CLA", up.requires_cla)) if on)
                or "-",
            ),
            ("CONTRIBUTING", up.contributing or "-"),
            ("fast path", "yes" if result.fast_path else "no"),
        ),
    )
    return (facts,)


def check(
    ctx: typer.Context,
    patch: PatchArg = None,
    repo: RepoOpt = None,
    revisions: RangeOpt = None,
    upstream: UpstreamOpt = None,
    upstream_license: UpstreamLicenseOpt = None,
    policy: PolicyOpt = None,
) -> int:
    """Check an outgoing patch: secrets, personal data, internal names, ownership, licenses,
    weights, DCO and CLA. Exit 1 on a finding at or above --fail-on."""
    state = get_state(ctx)
    result, _policy_used, _ = _run_check(
        state, patch, repo, revisions, upstream, upstream_license, policy
    )
    return state.emit(
        "contrib check",
        result.report,
        sections={"contribution": result.to_dict()},
        summary=_tables(result),
        rules=RULES,
    )


def request(
    ctx: typer.Context,
    justification: Annotated[
        str, typer.Option("--justification", help="Why the company should contribute this.")
    ],
    patch: PatchArg = None,
    repo: RepoOpt = None,
    revisions: RangeOpt = None,
    upstream: UpstreamOpt = None,
    upstream_license: UpstreamLicenseOpt = None,
    policy: PolicyOpt = None,
    record: Annotated[bool, typer.Option("--record", help="Record the request.")] = False,
    registry: Annotated[
        str | None, typer.Option("--registry", help="Registry DSN.", show_default=False)
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--as", help="Who asks, as NAME:ROLE.", show_default=False)
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Registry token.", show_default=False)
    ] = None,
) -> int:
    """Open a contribution request in the registry, bound to the patch digest; a patch with
    a finding at high or above is refused until it is fixed."""
    state = get_state(ctx)
    if not justification.strip():
        raise UsageError("a request needs a business justification", hint="give --justification")
    dsn = registry or state.settings.registry_dsn
    result, chosen, service = _run_check(
        state, patch, repo, revisions, upstream, upstream_license, policy, dsn
    )
    from modelsteward.cli.registry_session import resolve_actor
    from modelsteward.registry import RegistryService
    from modelsteward.services.contribute import record_request, request_roles

    assert isinstance(service, RegistryService)
    sections: dict[str, object] = {"contribution": result.to_dict()}
    try:
        blocked = bool(result.report.at_least(Severity.HIGH))
        if blocked:
            state.log("the patch has findings at high or above: fix them before requesting")
        elif record:
            who = resolve_actor(state, service, actor, token).name
            rec = record_request(
                service, result, policy=chosen, justification=justification, actor=who
            )
            sections["record"] = rec.to_dict() | {"payload": None}
            waits = ", ".join(r.value for r in rec.missing_roles) or "nobody (fast path)"
            state.log(
                f"recorded contribution request {rec.id} for {result.upstream.name} "
                f"(digest {result.patch.digest[:12]}), {rec.state.value}; waiting for: {waits}"
            )
        else:
            roles = ", ".join(r.value for r in request_roles(result, chosen.contributions))
            state.log(f"dry run: would wait for {roles or 'nobody (fast path)'}; add --record")
    finally:
        service.close()
    return state.emit(
        "contrib request",
        result.report,
        sections=sections,
        summary=_tables(result),
        rules=RULES,
        denied=blocked,
    )


def status(
    ctx: typer.Context,
    patch: PatchArg = None,
    repo: RepoOpt = None,
    revisions: RangeOpt = None,
    registry: Annotated[
        str | None, typer.Option("--registry", help="Registry DSN.", show_default=False)
    ] = None,
) -> int:
    """Whether exactly this patch is approved: exit 0 when it is, 1 when it is not (a changed
    patch needs a new approval)."""
    state = get_state(ctx)
    loaded = _load(patch, repo, revisions)
    from modelsteward.registry import open_registry
    from modelsteward.services.contribute import approval_for

    service = open_registry(registry or state.settings.registry_dsn)
    try:
        found = approval_for(service, loaded.digest)
    finally:
        service.close()
    if found is None:
        state.log(f"no contribution request for this patch (digest {loaded.digest[:12]})")
        approved = False
        rows: tuple[tuple[str, ...], ...] = ((loaded.digest[:12], "-", "none", "-"),)
        section: object = None
    else:
        approved = found.state.value == "approved"
        waits = ", ".join(r.value for r in found.missing_roles) or "-"
        rows = ((loaded.digest[:12], str(found.id), found.state.value, waits),)
        section = found.to_dict() | {"payload": None}
    return state.emit(
        "contrib status",
        Report(),
        sections={"digest": loaded.digest, "request": section, "approved": approved},
        summary=(
            SummaryTable(
                title="contribution status",
                columns=("digest", "request", "state", "waiting for"),
                rows=rows,
            ),
        ),
        denied=not approved,
    )


def list_requests(
    ctx: typer.Context,
    registry: Annotated[
        str | None, typer.Option("--registry", help="Registry DSN.", show_default=False)
    ] = None,
) -> int:
    """Contribution requests, newest first."""
    state = get_state(ctx)
    from modelsteward.registry import open_registry
    from modelsteward.registry.decisions import list_decisions

    service = open_registry(registry or state.settings.registry_dsn)
    try:
        records = list_decisions(service.store, kind="contribution")
    finally:
        service.close()
    rows = tuple(
        (
            str(r.id),
            r.subject,
            r.name,
            r.digest[:12],
            r.state.value,
            ", ".join(x.value for x in r.missing_roles) or "-",
            r.requester,
        )
        for r in records
    )
    return state.emit(
        "contrib list",
        Report(),
        sections={"requests": [r.to_dict() | {"payload": None} for r in records]},
        summary=(
            SummaryTable(
                title="contribution requests",
                columns=("id", "upstream", "title", "digest", "state", "waiting for", "requester"),
                rows=rows,
            ),
        ),
    )
