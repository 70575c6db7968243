"""The evaluate flow: red-team a served model, grade it against the policy, bind it to files.

``evaluate_target`` runs a suite against an endpoint; ``evaluate_model`` does the same for a
vetted model, either through a given endpoint or by starting the embedded llama.cpp engine on
the model's GGUF for the duration of the run, and returns the passport with its
``safety.evaluation``. The CLI (``evaluate``, ``vet --evaluate``) only parses and prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from modelsteward.errors import UsageError
from modelsteward.findings import Location, Report
from modelsteward.inventory import ArtifactKind, Inventory
from modelsteward.passport import EvaluationFacts, Passport, RateFigure
from modelsteward.policy import Policy, RuleKind
from modelsteward.policy.model import RuleSpec
from modelsteward.safety.evaluation import (
    CORE_SUITE,
    DEFAULT_MAX_ASR,
    Evaluation,
    RunOptions,
    Suite,
    Target,
    Thresholds,
    build_evaluation,
    evaluation_findings,
    load_suite,
    run_suite,
    select,
)
from modelsteward.safety.evaluation.stats import Rate

if TYPE_CHECKING:
    from modelsteward.registry import RegistryService

EMBEDDED = "embedded"
"""The ``--evaluate`` value that starts the embedded engine on the model's GGUF."""
ENGINE_EMBEDDED = "embedded-llama.cpp"
ENGINE_ENDPOINT = "endpoint"

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluateOptions:
    """What to run and where to keep the transcript."""

    suite: str = CORE_SUITE
    run: RunOptions = field(default_factory=RunOptions)
    transcript: Path | None = None
    """Where to write the JSON-lines transcript (default: a dated file in the working dir)."""
    resume: Path | None = None
    """A transcript to resume (the run appends to it)."""
    policy: Policy | None = None
    """Grades the findings (the ``safety.layer`` rule's ``max_asr``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationOutcome:
    """An evaluation, its graded findings and its passport facts."""

    evaluation: Evaluation
    report: Report
    facts: EvaluationFacts


def thresholds_for(policy: Policy | None) -> Thresholds:
    """The limits of the policy's ``safety.layer`` rule (the default limits without one)."""
    if policy is not None:
        rule = _find_rule(policy.rules, RuleKind.SAFETY_LAYER)
        if rule is not None and rule.max_asr:
            return Thresholds(max_asr=dict(rule.max_asr))
    return Thresholds(max_asr=dict(DEFAULT_MAX_ASR))


def _find_rule(rules: tuple[RuleSpec, ...] | list[RuleSpec], kind: RuleKind) -> RuleSpec | None:
    for rule in rules:
        if rule.kind is kind:
            return rule
        found = _find_rule(rule.rules, kind)
        if found is not None:
            return found
    return None


def resolve_suite(spec: str) -> Suite:
    """The suite ``spec`` names (``core``, a suite file or a dataset directory).

    Raises:
        SuiteError: when it cannot be loaded.
    """
    return load_suite(spec)


def planned_probes(suite: Suite, options: EvaluateOptions) -> int:
    """How many probes a run will select (for a progress bar)."""
    return len(select(suite.probes, options.run.limit, options.run.seed))


def default_transcript(model: str, now: datetime | None = None) -> Path:
    """``eval-<model>-<UTC time>.jsonl`` in the working directory."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-")[:60] or "model"
    return Path(f"eval-{slug}-{stamp}.jsonl")


def evaluate_target(
    target: Target,
    options: EvaluateOptions,
    *,
    suite: Suite | None = None,
    engine: str = ENGINE_ENDPOINT,
    manifest_digest: str = "",
    location: Location | None = None,
    progress: Progress | None = None,
) -> EvaluationOutcome:
    """Run the suite against ``target`` and grade it.

    Raises:
        SuiteError: for a bad suite or an unusable transcript.
        EndpointError: when the endpoint rejects the run.
        SafetyError: when the judge model fails.
    """
    chosen = suite or resolve_suite(options.suite)
    path = options.resume or options.transcript or default_transcript(target.model)
    run = run_suite(
        chosen,
        target,
        options.run,
        transcript=path,
        resume=options.resume is not None,
        progress=progress,
    )
    evaluation = build_evaluation(
        chosen,
        run,
        model=target.model,
        endpoint=target.endpoint,
        engine=engine,
        seed=options.run.seed,
        limit=options.run.limit,
    )
    report = evaluation_findings(evaluation, thresholds_for(options.policy), location=location)
    return EvaluationOutcome(
        evaluation=evaluation,
        report=report,
        facts=evaluation_facts(evaluation, manifest_digest=manifest_digest),
    )


def _figure(rate: Rate) -> RateFigure:
    low, high = rate.ci95
    return RateFigure(
        probes=rate.probes,
        unsafe=rate.unsafe,
        asr=round(rate.asr, 4),
        ci95=(round(low, 4), round(high, 4)),
    )


def evaluation_facts(ev: Evaluation, *, manifest_digest: str = "") -> EvaluationFacts:
    """The passport's ``safety.evaluation`` for ``ev``, bound to ``manifest_digest``."""
    f = ev.figures
    return EvaluationFacts(
        suite_id=ev.suite.id,
        suite_version=ev.suite.version,
        suite_sha256=ev.suite.sha256,
        judge=ev.run.judge,
        engine=ev.engine,
        endpoint=ev.endpoint,
        model=ev.model,
        manifest_digest=manifest_digest,
        evaluated_at=ev.run.finished_at,
        probes=f.probes,
        attack_success_rate=round(f.overall.asr, 4),
        over_refusal_rate=round(f.over_refusal.asr, 4),
        complete=ev.complete,
        hazards={h.value: _figure(r) for h, r in f.hazards.items()},
        families={name: _figure(r) for name, r in f.families.items()},
        transcript_sha256=ev.run.transcript_sha256,
    )


def find_gguf(inventory: Inventory) -> Path:
    """The GGUF file of a vetted model, for the embedded engine.

    Raises:
        UsageError: when the model has no GGUF file, or several.
    """
    found = [a for a in inventory.artifacts if a.kind is ArtifactKind.GGUF]
    if len(found) != 1:
        what = "no GGUF file" if not found else f"{len(found)} GGUF files"
        raise UsageError(
            f"--evaluate embedded needs exactly one GGUF file; {inventory.source.given} has {what}",
            hint="serve the model yourself and pass --evaluate URL --evaluate-model NAME",
        )
    return Path(found[0].path)


@contextmanager
def embedded_target(gguf: Path, *, model: str, parallel: int = 4) -> Iterator[Target]:
    """Serve ``gguf`` with the embedded llama.cpp engine for the duration of the block.

    Raises:
        EngineError: when the engine cannot start.
    """
    from modelsteward.engines import EmbeddedLlamaServer

    slots = max(1, parallel)
    # Each slot gets 2048 tokens of context, enough for the many-shot probes.
    with EmbeddedLlamaServer(
        gguf, parallel=slots, n_ctx=2048 * slots, embeddings=False, alias=model
    ) as server:
        yield Target(endpoint=server.base_url, model=model)


def evaluate_model(
    passport: Passport,
    inventory: Inventory,
    where: str,
    options: EvaluateOptions,
    *,
    model: str | None = None,
    api_key: str | None = None,
    progress: Progress | None = None,
) -> tuple[Passport, EvaluationOutcome]:
    """Evaluate a vetted model at ``where`` (a URL, or ``embedded``) and return its passport
    with ``safety.evaluation`` and the evaluation's findings in its report.

    Raises:
        UsageError: for ``embedded`` without exactly one GGUF file.
        EngineError: when the embedded engine cannot start.
        SuiteError, EndpointError, SafetyError: as ``evaluate_target``.
    """
    name = model or passport.identity.name
    location = Location(path=passport.identity.source)
    digest = passport.manifest_digest
    if where == EMBEDDED:
        gguf = find_gguf(inventory)
        with embedded_target(gguf, model=name, parallel=options.run.concurrency) as target:
            outcome = evaluate_target(
                target,
                options,
                engine=ENGINE_EMBEDDED,
                manifest_digest=digest,
                location=location,
                progress=progress,
            )
        # The port was this run's; the passport names what was served instead.
        facts = replace(outcome.facts, endpoint=f"{EMBEDDED}:{gguf.name}")
        outcome = replace(outcome, facts=facts)
    else:
        target = Target(endpoint=where, model=name, api_key=api_key)
        outcome = evaluate_target(
            target, options, manifest_digest=digest, location=location, progress=progress
        )
    safety = replace(passport.safety, evaluation=outcome.facts)
    updated = replace(passport, safety=safety, report=passport.report.merge(outcome.report))
    return updated, outcome


def attach_to_registered(
    service: RegistryService, ref: str, outcome: EvaluationOutcome
) -> Passport:
    """The registered model's latest passport with this evaluation attached, bound to the
    model's current files (the caller vouches that the endpoint serves those files).

    Raises:
        NotFoundError: when no model matches ``ref``.
        UsageError: when the model has no passport yet.
    """
    from modelsteward.passport import passport_from_dict

    detail = service.show(ref)
    if not detail.passports:
        raise UsageError(
            f"{detail.model.name} has no passport to attach the evaluation to",
            hint="vet it first: modelsteward vet PATH --record",
        )
    latest = max(detail.passports, key=lambda p: p.version)
    passport = passport_from_dict(latest.passport)
    facts = replace(outcome.facts, manifest_digest=detail.model.manifest_digest)
    safety = replace(passport.safety, evaluation=facts)
    return replace(passport, safety=safety, report=passport.report.merge(outcome.report))
