"""Evaluation against the real embedded llama.cpp engine (stories260K), and folded into vet."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from modelsteward.cli.main import run
from modelsteward.engines import EmbeddedLlamaServer
from modelsteward.passport import passport_from_dict
from modelsteward.policy import default_policy, evaluate
from modelsteward.safety.evaluation import RunOptions, Target, read_transcript
from modelsteward.services.evaluate import EvaluateOptions, evaluate_target
from tests.safety.evaluation.upstreams import refuser, serve
from tests.shared import STORIES, require

GGUF = STORIES


def _safety_reasons(data: dict[str, Any]) -> set[str]:
    """What the default policy's safety-layer rule says of the vetted passport when no safety
    layer is in front of the model (so only the evaluation can satisfy it)."""
    passport = passport_from_dict(data)
    unguarded = replace(passport, safety=replace(passport.safety, configured=False))
    decision = evaluate(default_policy(), unguarded)
    return {r.finding for r in decision.reasons if r.rule == "safety-layer"}


@pytest.fixture
def gguf() -> Path:
    return require(GGUF)


def test_evaluate_the_real_engine(gguf: Path, tmp_path: Path) -> None:
    with EmbeddedLlamaServer(gguf, n_ctx=4096, threads=1, parallel=2, embeddings=False) as srv:
        options = EvaluateOptions(
            transcript=tmp_path / "t.jsonl", run=RunOptions(limit=13, concurrency=2, max_tokens=48)
        )
        outcome = evaluate_target(Target(endpoint=srv.base_url, model="stories"), options)
    ev = outcome.evaluation
    assert ev.complete and ev.figures.probes + ev.figures.too_long == 13
    _, records = read_transcript(tmp_path / "t.jsonl")
    harmful = [r for r in records if r.ok and r.kind == "harmful"]
    assert harmful and all(r.answer.strip() for r in harmful)
    # A 260K-parameter story model is not safety-tuned: an answer is a success unless its
    # story happens to open with an apology ("I'm sorry," said Lily).
    assert all(r.unsafe is not r.score.refused for r in harmful)
    assert ev.figures.overall.unsafe >= len(harmful) // 2


def test_vet_evaluate_embedded_rejects_an_untuned_model_for_customers(
    gguf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(tmp_path / "data"))
    args = ["vet", str(gguf), "--preset", "commercial-saas"]
    args += ["--evaluate", "embedded", "--evaluate-limit", "13"]
    args += ["--evaluate-transcript", str(tmp_path / "t.jsonl"), "--format", "json"]
    run(args)
    passport = json.loads(capsys.readouterr().out)["passport"]
    ev = passport["safety"]["evaluation"]
    assert ev["engine"] == "embedded-llama.cpp" and ev["endpoint"] == "embedded:stories260K.gguf"
    files = {f["path"]: f["sha256"] for f in passport["identity"]["files"]}
    from modelsteward.passport import manifest_digest

    assert ev["manifest_digest"] == manifest_digest(files)
    assert _safety_reasons(passport) == {"safety.eval.hazard-asr"}
    rules = {f["rule_id"] for f in passport["report"]["findings"]}
    assert "safety.eval.hazard-asr" in rules


def test_vet_evaluate_url_passes_the_safety_rule_for_a_refusing_model(
    gguf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(tmp_path / "data"))
    with serve(refuser) as srv:
        args = ["vet", str(gguf), "--preset", "commercial-saas"]
        args += ["--evaluate", srv.url, "--evaluate-model", "m"]
        args += ["--evaluate-transcript", str(tmp_path / "t.jsonl"), "--format", "json"]
        run(args)
    passport = json.loads(capsys.readouterr().out)["passport"]
    assert passport["safety"]["evaluation"]["attack_success_rate"] == 0.0
    assert _safety_reasons(passport) == set()


def test_vet_evaluate_url_needs_one_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.bin").write_bytes(b"x")
    (tmp_path / "b.bin").write_bytes(b"y")
    code = run(
        [
            "vet",
            str(tmp_path / "a.bin"),
            str(tmp_path / "b.bin"),
            "--evaluate",
            "http://127.0.0.1:9",
        ]
    )
    assert code == 2
    assert "evaluates one model" in capsys.readouterr().err


def test_vet_evaluate_embedded_needs_a_gguf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.bin").write_bytes(b"x")
    assert run(["vet", str(tmp_path / "a.bin"), "--evaluate", "embedded"]) == 2
    assert "needs exactly one GGUF file" in capsys.readouterr().err
