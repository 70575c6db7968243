"""``modelsteward select`` end to end: the example, the JSON contract, hard constraints,
bad input, and decision records under separation of duties on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from modelsteward.cli import main
from tests.selection.conftest import scenario_text


def run(*args: str) -> int:
    return main.run(list(args))


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def _write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_scenario_runs_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("select", "--example") == 0
    text = capsys.readouterr().out
    assert text.startswith("# An example selection scenario")
    path = _write(tmp_path, text)
    assert run("select", str(path), "-f", "json") == 0
    sel = _json(capsys)["selection"]
    assert isinstance(sel, dict)
    assert sel["decision"]["kind"] in ("open", "commercial")
    names = {c["name"]: c for c in sel["candidates"]}
    # The frontier API processes data only in the US; the scenario requires the EU.
    assert names["api-frontier"]["eligible"] is False
    assert "outside the required eu" in names["api-frontier"]["reasons"][0]
    assert {a["name"] for a in sel["assumptions"]} >= {
        "gpu.l40s-48gb.hourly_usd",
        "engineer_hour_usd",
        "advisories_per_month",
        "llama-3.1-8b-instruct.tokens_per_second_per_gpu",
    }
    assert all(a["source"] and a["date"] for a in sel["assumptions"])
    assert len(sel["sensitivity"]) == 5 * 3 + 3


def test_json_contract_and_hand_checked_figures(
    tmp_path: Path, round_prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, scenario_text())
    assert run("select", str(path), "--prices", str(round_prices), "-f", "json") == 0
    data = _json(capsys)
    sel = data["selection"]
    assert isinstance(sel, dict)
    assert set(sel["decision"]) == {"choice", "kind", "rationale"}
    by = {c["name"]: c for c in sel["candidates"]}
    for cand in by.values():
        assert {"name", "kind", "eligible", "reasons", "monthly_cost_usd"} <= set(cand)
        assert {"break_even_requests_per_month", "score"} <= set(cand)
    # Derived in test_tco: self-hosting 3,200 a month, the API 2,100; break-even 1.55 M.
    assert by["open-model"]["monthly_cost_usd"] == 3200.0
    assert by["api"]["monthly_cost_usd"] == 2100.0
    assert by["open-model"]["break_even_requests_per_month"] == 1_550_000
    assert by["api"]["break_even_requests_per_month"] is None
    # Weighted on cost alone, the cheaper API wins: score 1 against 2,100 / 3,200.
    assert sel["decision"]["choice"] == "api"
    assert by["open-model"]["score"] == pytest.approx(2100 / 3200, abs=1e-4)
    assert data["findings"] == []


def test_a_prohibited_open_model_leaves_the_commercial_option(
    tmp_path: Path, round_prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CC BY-NC 4.0 licenses non-commercial use only; this use is commercial.
    path = _write(tmp_path, scenario_text(open_license="cc-by-nc-4.0", gpu="g1"))
    assert run("select", str(path), "--prices", str(round_prices), "-f", "json") == 0
    data = _json(capsys)
    sel = data["selection"]
    assert sel["decision"]["choice"] == "api"
    assert sel["decision"]["kind"] == "commercial"
    open_model = next(c for c in sel["candidates"] if c["name"] == "open-model")
    assert open_model["eligible"] is False
    assert "prohibits this use" in open_model["reasons"][0]
    assert "open-model is out: license cc-by-nc-4.0 prohibits" in sel["decision"]["rationale"]
    assert [f["rule_id"] for f in data["findings"]] == ["select.candidate.ineligible"]


def test_open_model_wins_at_volume_and_the_rationale_says_why(
    tmp_path: Path, round_prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = yaml.safe_load(scenario_text())
    raw["use"]["requests_per_month"] = 3_000_000  # above the 1.55 M break-even
    path = _write(tmp_path, yaml.safe_dump(raw))
    assert run("select", str(path), "--prices", str(round_prices), "-f", "json") == 0
    sel = _json(capsys)["selection"]
    # Self-hosting still 3,200 (one replica carries 3.24 M); the API 100 + 6,000 = 6,100.
    assert sel["decision"]["choice"] == "open-model"
    assert (
        "self-hosting is no dearer than api from 1,550,000 requests"
        in (sel["decision"]["rationale"])
    )


def test_nothing_eligible_exits_1_with_a_high_finding(
    tmp_path: Path, round_prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = scenario_text(
        open_license="cc-by-nc-4.0", residency="[eu]", api_regions="[us]", region="eu-west"
    )
    path = _write(tmp_path, text)
    assert run("select", str(path), "--prices", str(round_prices), "-f", "json") == 1
    data = _json(capsys)
    assert data["selection"]["decision"]["choice"] is None
    rules = sorted(f["rule_id"] for f in data["findings"])
    assert rules == [
        "select.candidate.ineligible",
        "select.candidate.ineligible",
        "select.decision.none",
    ]


def test_markdown_and_sarif(
    tmp_path: Path, round_prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, scenario_text(open_license="cc-by-nc-4.0"))
    assert run("select", str(path), "--prices", str(round_prices), "-f", "markdown") == 0
    md = capsys.readouterr().out
    assert md.startswith("# Selection: worked-example")
    assert "## Assumptions" in md and "| engineer_hour_usd | 100 | test |" in md
    assert run("select", str(path), "--prices", str(round_prices), "-f", "sarif") == 0
    sarif = _json(capsys)
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["select.candidate.ineligible"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 1\nname: x\nuse: {input_tokens: 1, output_tokens: 1}\ncommercial: []\n",
            "give exactly one of requests_per_day and requests_per_month",
        ),
        (
            "version: 1\nname: x\nuse: {requests_per_day: 5, input_tokens: 1, output_tokens: 1,"
            " colour: red}\n",
            "use.colour: Extra inputs are not permitted",
        ),
        ("version: 2\n", "version"),
        ("[1, 2]\n", "a scenario must be a mapping"),
        ("use: {\n", "is not valid YAML at line"),
    ],
)
def test_bad_scenarios_are_one_line_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    assert run("select", str(path)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "hint:" in err
    assert "Traceback" not in err


def test_missing_scenario_and_unknown_measure_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("select") == 2
    assert "select needs a scenario file" in capsys.readouterr().err
    assert run("select", str(tmp_path / "absent.yaml")) == 2
    assert "cannot read scenario" in capsys.readouterr().err
    path = _write(tmp_path, scenario_text())
    assert run("select", str(path), "--measure", "nope=http://127.0.0.1:9/v1") == 2
    assert "names no open candidate 'nope'" in capsys.readouterr().err


def test_record_then_sign_under_separation_of_duties(
    tmp_path: Path, round_prices: Path, dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, scenario_text())
    reg = ("--registry", dsn)
    assert (
        run(
            "select",
            str(path),
            "--prices",
            str(round_prices),
            "--record",
            "--as",
            "dana:requester",
            "-f",
            "json",
            *reg,
        )
        == 0
    )
    out = capsys.readouterr()
    record = json.loads(out.out)["record"]
    assert "recorded selection decision" in out.err
    assert record["kind"] == "selection" and record["subject"] == "api"
    assert record["state"] == "pending"
    assert record["missing_roles"] == ["legal", "security"]
    digest = record["digest"]
    assert len(digest) == 64
    rid = str(record["id"])
    # The requester never signs; a requester role never signs; an unasked role may not.
    assert (
        run("registry", "decision", "approve", rid, "--reason", "x", "--as", "dana:legal", *reg)
        == 2
    )
    assert "cannot also sign it" in capsys.readouterr().err
    assert (
        run("registry", "decision", "approve", rid, "--reason", "x", "--as", "eve:requester", *reg)
        == 2
    )
    assert (
        run("registry", "decision", "approve", rid, "--reason", "x", "--as", "sam:safety", *reg)
        == 2
    )
    assert "not asked to review" in capsys.readouterr().err
    assert (
        run(
            "registry",
            "decision",
            "approve",
            rid,
            "--reason",
            "terms ok",
            "--as",
            "lee:legal",
            *reg,
        )
        == 0
    )
    capsys.readouterr()
    assert (
        run(
            "registry",
            "decision",
            "approve",
            rid,
            "--reason",
            "again",
            "--as",
            "lee:security",
            *reg,
        )
        == 2
    )
    assert "already signed" in capsys.readouterr().err
    assert (
        run("registry", "decision", "approve", rid, "--reason", "ok", "--as", "sue:security", *reg)
        == 0
    )
    capsys.readouterr()
    assert run("registry", "decision", "show", rid, "-f", "json", *reg) == 0
    shown = _json(capsys)["decision"]
    assert shown["state"] == "approved"
    assert [s["role"] for s in shown["signatures"]] == ["legal", "security"]
    assert shown["payload"]["selection"]["scenario"]["sha256"] == digest
    assert run("registry", "decision", "list", "--kind", "selection", "-f", "json", *reg) == 0
    assert [d["id"] for d in _json(capsys)["decisions"]] == [record["id"]]
    assert run("registry", "audit", "verify", "-f", "json", *reg) == 0
    capsys.readouterr()
    assert run("registry", "audit", "export", "-o", str(tmp_path / "audit.jsonl"), *reg) == 0
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    assert actions[-3:] == ["selection.recorded", "selection.signed", "selection.signed"]


def test_a_rejection_closes_the_decision(
    tmp_path: Path, round_prices: Path, dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, scenario_text())
    reg = ("--registry", dsn)
    assert (
        run(
            "select",
            str(path),
            "--prices",
            str(round_prices),
            "--record",
            "--as",
            "d:requester",
            "-f",
            "json",
            *reg,
        )
        == 0
    )
    rid = str(json.loads(capsys.readouterr().out)["record"]["id"])
    assert (
        run(
            "registry",
            "decision",
            "reject",
            rid,
            "--reason",
            "data terms unclear",
            "--as",
            "l:legal",
            *reg,
        )
        == 0
    )
    capsys.readouterr()
    assert (
        run("registry", "decision", "approve", rid, "--reason", "ok", "--as", "s:security", *reg)
        == 2
    )
    assert "already rejected" in capsys.readouterr().err
