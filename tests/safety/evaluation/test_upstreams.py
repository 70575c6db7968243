"""End to end against scripted OpenAI-compatible upstreams whose behaviour proves the scoring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelsteward.cli.main import run
from modelsteward.safety.evaluation import (
    JAILBREAK_FAMILIES,
    EndpointError,
    JudgeModel,
    RunOptions,
    Suite,
    Target,
    core_suite,
    read_transcript,
    run_suite,
)
from modelsteward.safety.evaluation.transcript import file_sha256
from modelsteward.safety.interface import Hazard
from modelsteward.services.evaluate import EvaluateOptions, evaluate_target
from tests.safety.evaluation.upstreams import (
    complier,
    jailbreak_only,
    leaker,
    refuser,
    serve,
)

SUITE = core_suite()
PLAIN = {p.prompt for p in SUITE.probes if p.family == "direct"}
LEAK_FAMILIES = ("system-prompt-extraction", "context-leakage")


def _evaluate(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, Any]]:
    transcript = tmp_path / "t.jsonl"
    args = ["evaluate", "--endpoint", url, "--model", "m", "--transcript", str(transcript)]
    code = run([*args, "--format", "json", "--concurrency", "8", *extra])
    return code, json.loads(capsys.readouterr().out)


def _rules(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["severity"]) for f in doc["findings"]}


def test_complier_has_full_attack_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(complier) as srv:
        code, doc = _evaluate(srv.url, tmp_path, capsys)
    ev = doc["evaluation"]
    assert code == 1
    assert ev["attack_success_rate"] == 1.0 and ev["over_refusal_rate"] == 0.0
    assert set(ev["hazards"]) == {h.value for h in Hazard}
    s9 = ev["hazards"]["S9"]
    assert s9["unsafe"] == s9["probes"] and s9["ci95"][1] == 1.0 and 0.7 < s9["ci95"][0] < 1.0
    assert all(ev["families"][f]["asr"] == 1.0 for f in JAILBREAK_FAMILIES)
    assert all(ev["families"][f]["asr"] == 0.0 for f in LEAK_FAMILIES)
    rules = _rules(doc)
    assert ("safety.eval.hazard-asr", "critical") in rules
    assert ("safety.eval.hazard-asr", "high") in rules
    assert ("safety.eval.jailbreak", "medium") in rules
    assert not {r for r, _ in rules} & {"safety.eval.prompt-extraction", "safety.eval.context-leak"}
    assert ev["suite"]["sha256"] == SUITE.sha256 and ev["probes"] == len(SUITE.probes)
    assert ev["transcript"]["sha256"] == file_sha256(tmp_path / "t.jsonl")
    assert len(ev["worst"]) == 10


def test_refuser_over_refuses_and_never_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(refuser) as srv:
        code, doc = _evaluate(srv.url, tmp_path, capsys)
    ev = doc["evaluation"]
    assert code == 0
    assert ev["attack_success_rate"] == 0.0 and ev["over_refusal_rate"] == 1.0
    assert all(h["unsafe"] == 0 for h in ev["hazards"].values())
    assert _rules(doc) == {("safety.eval.over-refusal", "low")}


def test_leaker_leaks_its_system_prompt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(leaker) as srv:
        _, doc = _evaluate(srv.url, tmp_path, capsys)
    ev = doc["evaluation"]
    assert ev["attack_success_rate"] == 0.0
    assert ev["families"]["system-prompt-extraction"]["asr"] == 1.0
    assert ev["families"]["context-leakage"]["asr"] == 1.0
    assert ev["families"]["injection-document"]["asr"] == 0.0
    rules = {r for r, _ in _rules(doc)}
    assert {"safety.eval.prompt-extraction", "safety.eval.context-leak"} <= rules
    assert "safety.eval.hazard-asr" not in rules


def test_jailbreak_only_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(jailbreak_only(PLAIN)) as srv:
        _, doc = _evaluate(srv.url, tmp_path, capsys)
    families = doc["evaluation"]["families"]
    assert families["direct"]["asr"] == 0.0
    assert {f: families[f]["asr"] for f in JAILBREAK_FAMILIES} == dict.fromkeys(
        JAILBREAK_FAMILIES, 1.0
    )
    assert ("safety.eval.jailbreak", "medium") in _rules(doc)


def test_sarif_markdown_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(complier) as srv:
        base = ["evaluate", "--endpoint", srv.url, "--model", "m", "--limit", "30"]
        assert run([*base, "--transcript", str(tmp_path / "a.jsonl"), "--format", "sarif"]) == 1
        sarif = json.loads(capsys.readouterr().out)
        html = tmp_path / "r.html"
        args = [*base, "--transcript", str(tmp_path / "b.jsonl"), "--html", str(html)]
        assert run([*args, "--format", "markdown"]) == 1
        page = capsys.readouterr().out
    ids = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "safety.eval.hazard-asr" in ids
    assert "# Safety evaluation: m" in page and "| S9 Indiscriminate Weapons |" in page
    assert "<h1>Safety evaluation: m</h1>" in html.read_text(encoding="utf-8")


def test_resume_sends_only_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    options = EvaluateOptions(transcript=path, run=RunOptions(limit=40))
    with serve(complier) as srv:
        first = evaluate_target(Target(endpoint=srv.url, model="m"), options)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:16]) + lines[16][:25], encoding="utf-8")  # killed mid-line
        sent = len(srv.requests)
        again = evaluate_target(
            Target(endpoint=srv.url, model="m"),
            EvaluateOptions(resume=path, run=RunOptions(limit=40)),
        )
        assert len(srv.requests) - sent == 40 - 15
    assert again.evaluation.run.resumed == 15
    assert again.evaluation.to_dict()["hazards"] == first.evaluation.to_dict()["hazards"]
    _, records = read_transcript(path)
    assert len(records) == 40


def test_resume_refuses_another_model(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    with serve(refuser) as srv:
        evaluate_target(
            Target(endpoint=srv.url, model="m"),
            EvaluateOptions(transcript=path, run=RunOptions(limit=5)),
        )
        with pytest.raises(Exception, match="written for model"):
            evaluate_target(Target(endpoint=srv.url, model="other"), EvaluateOptions(resume=path))


def test_time_limit_bounds_the_run(tmp_path: Path) -> None:
    with serve(complier, delay_s=0.4) as srv:
        options = EvaluateOptions(
            transcript=tmp_path / "t.jsonl", run=RunOptions(concurrency=2, time_limit_s=1.0)
        )
        outcome = evaluate_target(Target(endpoint=srv.url, model="m"), options)
    ev = outcome.evaluation
    assert 0 < ev.figures.probes < 20 and ev.run.not_run == ev.run.selected - ev.figures.probes
    assert not ev.complete
    assert "safety.eval.incomplete" in {f.rule_id for f in outcome.report.findings}


def test_bad_key_stops_the_run_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(complier, api_key="right") as srv:
        with pytest.raises(EndpointError, match="HTTP 401"):
            evaluate_target(
                Target(endpoint=srv.url, model="m", api_key="wrong"),
                EvaluateOptions(transcript=tmp_path / "a.jsonl"),
            )
        code = run(
            [
                "evaluate",
                "--endpoint",
                srv.url,
                "--model",
                "m",
                "--api-key",
                "wrong",
                "--transcript",
                str(tmp_path / "b.jsonl"),
            ]
        )
        assert code == 2
        assert "hint: pass a valid --api-key" in capsys.readouterr().err
        ok = evaluate_target(
            Target(endpoint=srv.url, model="m", api_key="right"),
            EvaluateOptions(transcript=tmp_path / "c.jsonl", run=RunOptions(limit=5)),
        )
        assert ok.evaluation.figures.probes == 5


def test_unreachable_endpoint_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(complier) as srv:
        url = srv.url
    with pytest.raises(EndpointError, match="failed every request"):
        evaluate_target(
            Target(endpoint=url, model="m"),
            EvaluateOptions(
                transcript=tmp_path / "t.jsonl", run=RunOptions(concurrency=2, limit=10)
            ),
        )
    args = ["evaluate", "--endpoint", url, "--model", "m", "--limit", "3"]
    assert run([*args, "--transcript", str(tmp_path / "u.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "failed every request" in err and "hint: check that the endpoint is up" in err


def test_judge_model_decides_and_agreement_is_reported(tmp_path: Path) -> None:
    def judge(messages: Any) -> str:
        # A judge that calls an exchange unsafe only when it involves weapons (S9).
        text = messages[-1]["content"]
        return "unsafe\nS9" if "bomb" in text or "anthrax" in text or "sarin" in text else "safe"

    with serve(complier) as target, serve(judge) as j:
        options = EvaluateOptions(
            transcript=tmp_path / "t.jsonl",
            run=RunOptions(judge=JudgeModel(endpoint=j.url, model="guard")),
        )
        outcome = evaluate_target(Target(endpoint=target.url, model="m"), options)
    ev = outcome.evaluation.to_dict()
    agreement = ev["judge_agreement"]
    assert ev["judge"] == f"guard@{j.url}"
    assert agreement["compared"] == ev["harmful"]["probes"]
    assert 0 < agreement["agree"] < agreement["compared"]
    assert ev["hazards"]["S10"]["unsafe"] == 0  # the judge's call wins over the local one
    assert ev["hazards"]["S9"]["unsafe"] > 0


def test_hostile_endpoint_cannot_exhaust_memory(tmp_path: Path) -> None:
    huge = "A" * (9 * 1024 * 1024)
    with serve(lambda messages: huge) as srv:
        options = EvaluateOptions(transcript=tmp_path / "t.jsonl", run=RunOptions(limit=3))
        with pytest.raises(EndpointError, match="failed every request"):
            evaluate_target(Target(endpoint=srv.url, model="m"), options)
    _, records = read_transcript(tmp_path / "t.jsonl")
    assert len(records) == 3 and all("larger than" in (r.error or "") for r in records)


def test_content_filter_counts_as_refusal_and_long_probes_are_left_out(tmp_path: Path) -> None:
    from http import HTTPStatus

    from tests.safety.evaluation import upstreams

    def answer(messages: Any) -> str:
        text = messages[-1]["content"]
        if len(messages) > 2:
            raise upstreams.Reject(
                HTTPStatus.BAD_REQUEST, '{"error": {"message": "exceeds the context size"}}'
            )
        if "bomb" in text:
            raise upstreams.Reject(HTTPStatus.BAD_REQUEST, '{"error": {"code": "content_filter"}}')
        if "anthrax" in text:  # the modelsteward gateway's block
            body = '{"error": {"message": "blocked", "code": "content_blocked"}}'
            raise upstreams.Reject(HTTPStatus.BAD_REQUEST, body)
        return upstreams.COMPLY

    picked = tuple(
        p for p in SUITE.probes if p.family in ("many-shot", "direct") or "anthrax" in p.prompt
    )
    suite = Suite(id="t", version="1", probes=picked)
    with serve(answer) as srv:
        options = EvaluateOptions(transcript=tmp_path / "t.jsonl")
        ev = evaluate_target(Target(endpoint=srv.url, model="m"), options, suite=suite).evaluation
    assert ev.complete and ev.figures.errors == 0
    assert ev.figures.too_long == suite.counts()["many-shot"] == 14
    _, records = read_transcript(tmp_path / "t.jsonl")
    bomb = [r for r in records if r.ok and ("bomb" in r.prompt or "anthrax" in r.prompt)]
    assert len(bomb) == 2 and all(r.score.refused and not r.unsafe for r in bomb)


def test_interrupt_stops_sending_and_keeps_what_was_judged(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    seen = []

    def progress(n: int) -> None:
        seen.append(n)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with serve(complier, delay_s=0.05) as srv:
        options = RunOptions(concurrency=2, limit=40)
        with pytest.raises(KeyboardInterrupt):
            run_suite(
                SUITE,
                Target(endpoint=srv.url, model="m"),
                options,
                transcript=path,
                progress=progress,
            )
        sent = len(srv.requests)
        _, records = read_transcript(path)
        again = evaluate_target(
            Target(endpoint=srv.url, model="m"), EvaluateOptions(resume=path, run=options)
        )
    assert sent < 12  # the pool stopped: at most the requests already in flight finished
    assert len(records) >= 4
    assert again.evaluation.run.resumed == len(records) and again.evaluation.figures.probes == 40


def test_policy_limits_grade_the_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lenient = tmp_path / "policy.yaml"
    lenient.write_text(
        "version: 1\nrules:\n  - id: s\n    kind: safety.layer\n    max_asr: {'*': 1.0}\n",
        encoding="utf-8",
    )
    with serve(complier) as srv:
        # a base URL that already ends in /v1, as the gateway and most APIs publish it
        code, doc = _evaluate(
            srv.url + "/v1", tmp_path, capsys, "--policy", str(lenient), "--limit", "40"
        )
    assert code == 0
    assert {sev for rule, sev in _rules(doc) if rule == "safety.eval.hazard-asr"} == {"low"}
