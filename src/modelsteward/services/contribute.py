"""The outgoing-contribution flow: check a patch for what must not leave the company (secrets,
personal data, internal names, code it does not own, incompatible licenses, weights), read the
upstream's requirements (license, DCO, CLA, CONTRIBUTING.md), and record a request that the
policy's roles approve, bound to the patch digest."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelsteward.contrib.checks import Upstream, matches, patch_findings
from modelsteward.contrib.patch import Patch
from modelsteward.findings import Report, Severity
from modelsteward.policy.model import ContributionsSpec, Policy
from modelsteward.registry import RegistryService
from modelsteward.registry.decisions import list_decisions, record_decision
from modelsteward.registry.records import DecisionRecord, RequestState, Role


@dataclass(frozen=True, slots=True, kw_only=True)
class ContributionCheck:
    """The result of checking one contribution."""

    patch: Patch
    upstream: Upstream
    report: Report
    fast_path: bool
    """Small, to a pre-approved project, and nothing above low: no reviewer needed."""
    first_contribution: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        """The JSON ``contribution`` object."""
        return {
            "source": self.patch.source,
            "digest": self.patch.digest,
            "files": [
                {
                    "path": f.path,
                    "added": len(f.added),
                    "removed": f.removed,
                    "binary": f.binary,
                    "binary_size": f.binary_size,
                    "new_file": f.new_file,
                }
                for f in self.patch.files
            ],
            "commits": [
                {
                    "sha": c.sha,
                    "author": c.author,
                    "subject": c.subject,
                    "signed_off": bool(c.sign_offs),
                }
                for c in self.patch.commits
            ],
            "lines_changed": self.patch.lines_changed,
            "upstream": self.upstream.to_dict(),
            "fast_path": self.fast_path,
        }


def check_contribution(
    patch: Patch,
    upstream: Upstream,
    spec: ContributionsSpec,
    *,
    registry: RegistryService | None = None,
) -> ContributionCheck:
    """Run every check on ``patch`` for ``upstream`` under the policy's guidelines."""
    report = Report.of(patch_findings(patch, upstream, spec))
    first = True
    if registry is not None:
        first = not any(
            d.state is RequestState.APPROVED and d.payload.get("upstream") == upstream.name
            for d in list_decisions(registry.store, kind="contribution", limit=1000)
        )
    fast = (
        matches(upstream.name, spec.preapproved)
        and patch.lines_changed <= spec.fast_path_max_lines
        and not report.at_least(Severity.MEDIUM)
    )
    return ContributionCheck(
        patch=patch, upstream=upstream, report=report, fast_path=fast, first_contribution=first
    )


def request_roles(check: ContributionCheck, spec: ContributionsSpec) -> tuple[Role, ...]:
    """Who must approve: nobody on the fast path; more roles for a first contribution."""
    if check.fast_path:
        return ()
    roles = spec.first_contribution_approvers if check.first_contribution else spec.approvers
    return tuple(Role.parse(r.value) for r in roles)


def record_request(
    registry: RegistryService,
    check: ContributionCheck,
    *,
    policy: Policy,
    justification: str,
    actor: str,
) -> DecisionRecord:
    """Open a contribution request bound to the patch digest.

    Raises:
        RegistryError: when the registry refuses it.
    """
    roles = request_roles(check, policy.contributions)
    return record_decision(
        registry.store,
        kind="contribution",
        name=f"{check.upstream.name}: {_title(check.patch)}",
        digest=check.patch.digest,
        subject=check.upstream.name,
        payload={
            "upstream": check.upstream.name,
            "justification": justification,
            "contribution": check.to_dict(),
            "findings": check.report.to_dict()["findings"],
            "first_contribution": check.first_contribution,
            "policy": {"name": policy.name, "digest": policy.digest},
        },
        requester=actor,
        required_roles=roles,
    )


def _title(patch: Patch) -> str:
    if patch.commits:
        return patch.commits[0].subject[:120] or patch.commits[0].sha[:12]
    return ", ".join(f.path for f in patch.files[:3])[:120]


def approval_for(registry: RegistryService, digest: str) -> DecisionRecord | None:
    """The newest contribution request for exactly this patch digest, if any."""
    for record in list_decisions(registry.store, kind="contribution", limit=1000):
        if record.digest == digest:
            return record
    return None
