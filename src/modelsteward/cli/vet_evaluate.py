"""``vet --evaluate``: fold a red-team evaluation into a vetting run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from modelsteward.cli.state import CliState
from modelsteward.errors import UsageError
from modelsteward.inventory import Inventory
from modelsteward.policy import Policy
from modelsteward.vet import VetRun


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluateRequest:
    """The ``--evaluate*`` options of ``vet``."""

    where: str
    """A URL, or ``embedded``."""
    model: str | None = None
    suite: str = "core"
    limit: int | None = None
    transcript: Path | None = None
    api_key: str | None = None


def evaluate_run(
    state: CliState,
    run: VetRun,
    inventories: Sequence[Inventory],
    request: EvaluateRequest,
    policy: Policy,
) -> VetRun:
    """``run`` with every passport evaluated and its findings added.

    Raises:
        UsageError: for a URL with several models, or ``embedded`` without a GGUF.
        StewardError: when the engine, the endpoint or the suite fails.
    """
    from modelsteward.safety.evaluation import RunOptions
    from modelsteward.services.evaluate import (
        EMBEDDED,
        EvaluateOptions,
        evaluate_model,
        planned_probes,
        resolve_suite,
    )

    if request.where != EMBEDDED and len(run.passports) != 1:
        raise UsageError(
            f"--evaluate URL evaluates one model; this run vets {len(run.passports)}",
            hint="vet one path at a time with --evaluate URL, or use --evaluate embedded",
        )
    suite = resolve_suite(request.suite)
    options = EvaluateOptions(
        suite=request.suite,
        run=RunOptions(limit=request.limit),
        policy=policy,
    )
    total = planned_probes(suite, options) * len(run.passports)
    passports = []
    with state.progress_bar(total, "evaluating") as advance:
        for passport, inventory in zip(run.passports, inventories, strict=True):
            transcript = request.transcript
            if transcript is not None and len(run.passports) > 1:
                transcript = transcript.with_name(
                    f"{transcript.stem}-{passport.identity.name}.jsonl"
                )
            updated, outcome = evaluate_model(
                passport,
                inventory,
                request.where,
                replace(options, transcript=transcript),
                model=request.model,
                api_key=request.api_key,
                progress=advance,
            )
            state.log(f"transcript: {outcome.evaluation.run.transcript}")
            passports.append(updated)
    return replace(run, passports=tuple(passports))
