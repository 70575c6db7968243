"""The passport's safety facts: how each deployment is served (the safety layer in front or
not), whether that is what the use requires, and the red-team evaluation of the files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class RateFigure:
    """An attack success rate: ``unsafe`` of ``probes``, with its 95% Wilson interval."""

    probes: int
    unsafe: int
    asr: float
    ci95: tuple[float, float] = (0.0, 0.0)

    def to_dict(self) -> dict[str, object]:
        """``{"probes", "unsafe", "asr", "ci95"}``."""
        return {
            "probes": self.probes,
            "unsafe": self.unsafe,
            "asr": self.asr,
            "ci95": list(self.ci95),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationFacts:
    """A red-team evaluation of the model, as the passport and the policy read it."""

    suite_id: str
    suite_version: str
    suite_sha256: str
    judge: str
    """``local`` or ``model@endpoint`` of the judge model."""
    engine: str
    """``embedded-llama.cpp`` or ``endpoint``."""
    endpoint: str
    model: str
    """The model name the endpoint served."""
    manifest_digest: str
    """Digest of the files that were served (``manifest_digest``); empty when unknown."""
    evaluated_at: str
    """ISO 8601 UTC time the run finished."""
    probes: int
    attack_success_rate: float
    over_refusal_rate: float
    complete: bool
    hazards: Mapping[str, RateFigure] = field(default_factory=dict)
    families: Mapping[str, RateFigure] = field(default_factory=dict)
    transcript_sha256: str = ""

    def to_dict(self) -> dict[str, object]:
        """The passport's ``safety.evaluation`` object (docs/evaluate.md)."""
        return {
            "suite": {
                "id": self.suite_id,
                "version": self.suite_version,
                "sha256": self.suite_sha256,
            },
            "judge": self.judge,
            "engine": self.engine,
            "endpoint": self.endpoint,
            "model": self.model,
            "manifest_digest": self.manifest_digest,
            "evaluated_at": self.evaluated_at,
            "probes": self.probes,
            "attack_success_rate": self.attack_success_rate,
            "over_refusal_rate": self.over_refusal_rate,
            "complete": self.complete,
            "hazards": {k: v.to_dict() for k, v in self.hazards.items()},
            "families": {k: v.to_dict() for k, v in self.families.items()},
            "transcript_sha256": self.transcript_sha256,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyCoverage:
    """How one deployment of the model is served: a fact read from a gateway configuration
    or from a deployment record in the registry, never assumed."""

    deployment: str
    """The gateway's model id, or the deployment target."""
    source: str
    """``gateway-config`` or ``registry``."""
    gateway_config: str = ""
    """The gateway configuration file that serves it."""
    config_sha256: str = ""
    safety_profile: str = "off"
    """The guards the gateway runs for it: ``off``, ``input`` or ``default`` (input and
    output, streams included)."""
    safety_policy: str = ""
    """The safety policy those guards apply."""
    exposure: str = "internal"
    """``internal`` or ``customer_facing``."""

    @property
    def enforced(self) -> bool:
        """Both requests and answers pass the safety layer."""
        return self.safety_profile == "default"

    @property
    def customer_facing(self) -> bool:
        """Customers read its answers."""
        return self.exposure == "customer_facing"

    def to_dict(self) -> dict[str, object]:
        """The JSON form (``safety.coverage[]``)."""
        return {
            "deployment": self.deployment,
            "source": self.source,
            "gateway_config": self.gateway_config,
            "config_sha256": self.config_sha256,
            "safety_profile": self.safety_profile,
            "safety_policy": self.safety_policy,
            "exposure": self.exposure,
            "enforced": self.enforced,
        }


def layer_enforced(coverage: Sequence[SafetyCoverage], customer_facing_use: bool) -> bool:
    """Whether the facts show the safety layer enforced wherever customers read answers:
    at least one deployment is known, and every customer-facing one (every one, for a
    customer-facing use) runs the full safety profile."""
    facing = [c for c in coverage if customer_facing_use or c.customer_facing]
    return bool(coverage) and all(c.enforced for c in facing)


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyFacts:
    """Whether the safety layer must front the model, and whether the deployment facts
    show that it does."""

    required: bool
    configured: bool
    coverage: tuple[SafetyCoverage, ...] = ()
    """The deployments the facts came from, each with its gateway configuration."""
    evaluation: EvaluationFacts | None = None
    """The latest red-team evaluation of these files, when one was run."""
