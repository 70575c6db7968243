"""Hard constraints: why an open candidate or a commercial option is out of a use case, and
the conditions an eligible open candidate is in under."""

from __future__ import annotations

from collections.abc import Sequence

from modelsteward.selection.result import Evidence
from modelsteward.selection.scenario import CommercialOption, DataClass, OpenCandidate, UseCase


def _in_region(region: str, allowed: Sequence[str]) -> bool:
    region = region.lower()
    return any(region == a.lower() or region.startswith(a.lower() + "-") for a in allowed)


def open_constraints(
    cand: OpenCandidate, evidence: Evidence, use: UseCase
) -> tuple[list[str], list[str]]:
    """(why the candidate is out, the conditions it is in under)."""
    out: list[str] = []
    notes: list[str] = []
    lic = evidence.license_id or "unknown"
    match evidence.license_decision:
        case "prohibited":
            why = "; ".join(evidence.license_reasons) or "a term forbids it"
            out.append(f"license {lic} prohibits this use: {why}")
        case "needs_separate_license" if not cand.separate_license:
            why = "; ".join(evidence.license_reasons) or "a threshold is exceeded"
            out.append(f"license {lic} needs a separate license from the licensor: {why}")
        case "needs_review" | None:
            out.append(f"license {lic} could not be established for this use; legal must review it")
        case "conditional":
            notes.extend(f"obligation: {o}" for o in evidence.obligations)
        case _:
            pass
    if evidence.policy_outcome == "reject":
        why = "; ".join(evidence.policy_reasons[:3]) or "see its passport"
        out.append(f"the policy rejected the model: {why}")
    elif evidence.high_findings:
        out.append(f"its files have {evidence.high_findings} finding(s) at high or above")
    if use.residency:
        if cand.region is None:
            out.append(f"no region is stated; the data must stay in {', '.join(use.residency)}")
        elif not _in_region(cand.region, use.residency):
            out.append(f"region {cand.region} is outside the required {', '.join(use.residency)}")
    if use.customer_facing and not (cand.safety_layer or evidence.safety_evaluated):
        out.append(
            "customer-facing use needs the enterprise safety layer or a passing safety "
            "evaluation, and neither is planned"
        )
    if (
        use.latency_target_ms is not None
        and cand.latency_p95_ms is not None
        and cand.latency_p95_ms > use.latency_target_ms
    ):
        out.append(
            f"p95 latency {cand.latency_p95_ms:g} ms misses the {use.latency_target_ms:g} ms target"
        )
    if evidence.vulnerabilities:
        notes.append(f"{evidence.vulnerabilities} advisory(ies) open against its serving stack")
    return out, notes


def commercial_constraints(option: CommercialOption, use: UseCase) -> list[str]:
    """Why a commercial option is out (empty when it is eligible)."""
    out: list[str] = []
    if use.residency:
        if not option.regions:
            out.append(
                f"{option.provider} states no processing region; the data must stay in "
                f"{', '.join(use.residency)}"
            )
        elif not any(_in_region(r, use.residency) for r in option.regions):
            out.append(
                f"{option.provider} processes data in {', '.join(option.regions)}, outside "
                f"the required {', '.join(use.residency)}"
            )
    cls = use.data_classification
    if cls.rank >= DataClass.CONFIDENTIAL.rank and option.trains_on_inputs:
        out.append(f"{option.provider} may train on inputs, and the data is {cls.value}")
    if cls is DataClass.RESTRICTED and not option.zero_data_retention:
        out.append(f"restricted data needs zero data retention, which {option.provider} lacks")
    if use.fine_tuning and not option.fine_tuning:
        out.append(f"the use needs fine-tuning, which {option.provider} does not offer")
    if (
        use.latency_target_ms is not None
        and option.latency_p95_ms is not None
        and option.latency_p95_ms > use.latency_target_ms
    ):
        out.append(
            f"p95 latency {option.latency_p95_ms:g} ms misses the {use.latency_target_ms:g} "
            "ms target"
        )
    return out
