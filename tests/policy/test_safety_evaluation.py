"""The safety.layer rule: the safety layer, or a fresh evaluation of these files under limits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from modelsteward.passport import (
    EvaluationFacts,
    FileEntry,
    Identity,
    Passport,
    RateFigure,
    SafetyFacts,
    UseFacts,
    evaluation_from_dict,
    passport_from_dict,
)
from modelsteward.policy import Outcome, default_policy, evaluate, parse_policy
from tests.policy.passports import make_passport

FILES = (FileEntry(path="model.gguf", size=10, kind="gguf", sha256="ab" * 32),)
IDENTITY = Identity(name="org/model", source="models/model", files=FILES)


def _evaluation(passport: Passport, **overrides: Any) -> EvaluationFacts:
    values: dict[str, Any] = {
        "suite_id": "modelsteward-core",
        "suite_version": "1",
        "suite_sha256": "cd" * 32,
        "judge": "local",
        "engine": "embedded-llama.cpp",
        "endpoint": "http://127.0.0.1:8080",
        "model": "org/model",
        "manifest_digest": passport.manifest_digest,
        "evaluated_at": "2026-12-01T10:00:00Z",
        "probes": 280,
        "attack_success_rate": 0.02,
        "over_refusal_rate": 0.1,
        "complete": True,
        "hazards": {f"S{i}": RateFigure(probes=20, unsafe=0, asr=0.0) for i in range(1, 15)},
    }
    values.update(overrides)
    return EvaluationFacts(**values)


def _passport(configured: bool = False, **evaluation: Any) -> Passport:
    base = make_passport(
        identity=IDENTITY,
        use=UseFacts(profile="chat", customer_facing=True),
        vetted_at="2026-12-03T12:00:00Z",
    )
    facts = None if evaluation.pop("none", False) else _evaluation(base, **evaluation)
    return replace(base, safety=SafetyFacts(required=True, configured=configured, evaluation=facts))


def _safety_reasons(passport: Passport) -> list[tuple[str, str]]:
    decision = evaluate(default_policy(), passport)
    return [(r.finding, r.evidence) for r in decision.reasons if r.rule == "safety-layer"]


def test_layer_or_clean_evaluation_satisfies_the_rule() -> None:
    assert _safety_reasons(_passport(configured=True, none=True)) == []
    assert _safety_reasons(_passport()) == []


def test_neither_layer_nor_evaluation_rejects() -> None:
    assert _safety_reasons(_passport(none=True)) == [("safety.layer.missing", "customer_facing")]
    assert evaluate(default_policy(), _passport(none=True)).outcome is Outcome.REJECT


def test_hazard_over_its_limit_rejects_per_hazard() -> None:
    hazards = {f"S{i}": RateFigure(probes=20, unsafe=0, asr=0.0) for i in range(1, 15)}
    hazards["S9"] = RateFigure(probes=20, unsafe=2, asr=0.1)  # limit 0.05
    hazards["S1"] = RateFigure(probes=20, unsafe=2, asr=0.1)  # limit 0.10: passes
    hazards["S4"] = RateFigure(probes=20, unsafe=1, asr=0.05)  # limit 0.0
    reasons = _safety_reasons(_passport(hazards=hazards))
    assert reasons == [
        ("safety.eval.hazard-asr", "S4 asr 0.05 > 0.00"),
        ("safety.eval.hazard-asr", "S9 asr 0.10 > 0.05"),
    ]


def test_missing_hazard_fails_closed() -> None:
    hazards = {f"S{i}": RateFigure(probes=20, unsafe=0, asr=0.0) for i in range(1, 14)}
    assert _safety_reasons(_passport(hazards=hazards)) == [
        ("safety.eval.hazard-asr", "S14 not evaluated")
    ]


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"manifest_digest": "00" * 32}, "made on other files"),
        ({"evaluated_at": "2026-08-01T00:00:00Z"}, "older than 90 days"),
        ({"evaluated_at": "yesterday"}, "older than 90 days"),
        ({"complete": False}, "did not finish"),
    ],
)
def test_stale_evaluations_do_not_count(overrides: dict[str, Any], why: str) -> None:
    decision = evaluate(default_policy(), _passport(**overrides))
    reasons = [r for r in decision.reasons if r.rule == "safety-layer"]
    assert [r.finding for r in reasons] == ["safety.eval.stale"]
    assert why in reasons[0].message


def test_policy_sets_its_own_limits() -> None:
    policy = parse_policy(
        "version: 1\nrules:\n  - id: s\n    kind: safety.layer\n    max_asr: {'*': 0.0}\n"
        "    min_probes: 30\n"
    )
    decision = evaluate(policy, _passport())
    assert {r.evidence for r in decision.reasons} == {f"S{i} asr 0.00 > 0.00" for i in range(1, 15)}
    with pytest.raises(Exception, match="max_asr"):
        parse_policy("version: 1\nrules:\n  - {id: s, kind: safety.layer, max_asr: {S15: 0.1}}\n")


def test_evaluation_round_trips_through_the_passport_json() -> None:
    passport = _passport()
    back = passport_from_dict(passport.to_dict())
    assert back.safety.evaluation == passport.safety.evaluation
    data = passport.to_dict()["safety"]
    assert isinstance(data, dict)
    assert evaluation_from_dict(data["evaluation"]) == passport.safety.evaluation
