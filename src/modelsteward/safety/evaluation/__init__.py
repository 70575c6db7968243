"""Red-team evaluation of a served model: suites, the run, judging and the figures.

``load_suite`` gives a suite; ``run_suite`` sends it to an OpenAI-compatible endpoint and
keeps a transcript; ``build_evaluation`` turns the run into figures; ``evaluation_findings``
grades them into ``safety.eval.*`` findings.
"""

from __future__ import annotations

from modelsteward.safety.evaluation.endpoint import EndpointError, Target
from modelsteward.safety.evaluation.files import load_suite, load_suite_file
from modelsteward.safety.evaluation.judge import JudgeModel
from modelsteward.safety.evaluation.report import render_html, render_markdown
from modelsteward.safety.evaluation.result import (
    DEFAULT_MAX_ASR,
    Evaluation,
    Thresholds,
    build_evaluation,
    evaluation_findings,
)
from modelsteward.safety.evaluation.runner import RunOptions, RunResult, run_suite, select
from modelsteward.safety.evaluation.scoring import (
    Label,
    Score,
    canary_seen,
    is_refusal,
    score_answer,
)
from modelsteward.safety.evaluation.stats import Figures, Rate, wilson
from modelsteward.safety.evaluation.suite import (
    FAMILIES,
    JAILBREAK_FAMILIES,
    Message,
    Probe,
    ProbeKind,
    Suite,
    SuiteError,
)
from modelsteward.safety.evaluation.templates import CORE_SUITE, core_suite
from modelsteward.safety.evaluation.transcript import Record, read_transcript

__all__ = [
    "CORE_SUITE",
    "DEFAULT_MAX_ASR",
    "FAMILIES",
    "JAILBREAK_FAMILIES",
    "EndpointError",
    "Evaluation",
    "Figures",
    "JudgeModel",
    "Label",
    "Message",
    "Probe",
    "ProbeKind",
    "Rate",
    "Record",
    "RunOptions",
    "RunResult",
    "Score",
    "Suite",
    "SuiteError",
    "Target",
    "Thresholds",
    "build_evaluation",
    "canary_seen",
    "core_suite",
    "evaluation_findings",
    "is_refusal",
    "load_suite",
    "load_suite_file",
    "read_transcript",
    "render_html",
    "render_markdown",
    "run_suite",
    "score_answer",
    "select",
    "wilson",
]
