"""What a selection produces: the evidence on each open model, each candidate's verdict, cost
and score, and the whole decision with its assumptions (the JSON ``selection`` object)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelsteward.selection.prices import Assumption
from modelsteward.selection.tco import Cost


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """What the passport (or the scenario, when no model is given) says of an open model."""

    source: str
    """Where the facts come from: ``registry:NAME``, a path, ``hf://...`` or ``stated``."""
    license_id: str | None
    license_decision: str | None
    """The license verdict for this use: allowed, conditional, needs_separate_license,
    prohibited or needs_review; None when unknown."""
    license_reasons: tuple[str, ...] = ()
    obligations: tuple[str, ...] = ()
    policy_outcome: str | None = None
    """The policy decision recorded with the passport, when there is one."""
    policy_reasons: tuple[str, ...] = ()
    high_findings: int = 0
    vulnerabilities: int = 0
    safety_evaluated: bool = False
    """A safety evaluation under the policy's thresholds is on record."""
    manifest_digest: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the evidence."""
        return {
            "source": self.source,
            "license": self.license_id,
            "license_decision": self.license_decision,
            "license_reasons": list(self.license_reasons),
            "obligations": list(self.obligations),
            "policy_outcome": self.policy_outcome,
            "policy_reasons": list(self.policy_reasons),
            "high_findings": self.high_findings,
            "vulnerabilities": self.vulnerabilities,
            "safety_evaluated": self.safety_evaluated,
            "manifest_digest": self.manifest_digest,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateResult:
    """One candidate's verdict, cost and score."""

    name: str
    kind: str
    """``open`` or ``commercial``."""
    eligible: bool
    reasons: tuple[str, ...]
    """Why it is out (hard constraints), or the conditions it is in under."""
    cost: Cost
    break_even: float | None = None
    """For open candidates: the monthly requests from which self-hosting is no dearer than
    the cheapest eligible commercial option."""
    break_even_against: str | None = None
    break_evens: Mapping[str, float | None] = field(default_factory=dict)
    """Break-even against every commercial option, eligible or not."""
    score: float | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    evidence: Evidence | None = None
    throughput: float | None = None
    """Output tokens per second per GPU used for sizing (stated or measured)."""
    throughput_source: str | None = None

    def to_dict(self, months: int) -> dict[str, object]:
        """The JSON form of a candidate (``selection.candidates[]``)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "monthly_cost_usd": round(self.cost.monthly_usd, 2),
            "horizon_cost_usd": round(self.cost.over(months), 2),
            "cost": self.cost.to_dict(months),
            "break_even_requests_per_month": None
            if self.break_even is None
            else round(self.break_even),
            "break_even_against": self.break_even_against,
            "break_even_by_option": {
                k: None if v is None else round(v) for k, v in self.break_evens.items()
            },
            "score": None if self.score is None else round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "evidence": None if self.evidence is None else self.evidence.to_dict(),
            "tokens_per_second_per_gpu": self.throughput,
            "throughput_source": self.throughput_source,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """The whole result of one scenario."""

    scenario: str
    digest: str
    horizon_months: int
    requests_per_month: float
    choice: str | None
    kind: str | None
    rationale: str
    candidates: tuple[CandidateResult, ...]
    assumptions: tuple[Assumption, ...]
    sensitivity: tuple[dict[str, object], ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON ``selection`` object (docs/select.md)."""
        return {
            "scenario": {"name": self.scenario, "sha256": self.digest},
            "horizon_months": self.horizon_months,
            "requests_per_month": round(self.requests_per_month),
            "decision": {"choice": self.choice, "kind": self.kind, "rationale": self.rationale},
            "candidates": [c.to_dict(self.horizon_months) for c in self.candidates],
            "assumptions": [a.to_dict() for a in self.assumptions],
            "sensitivity": list(self.sensitivity),
        }
