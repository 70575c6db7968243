"""``modelsteward license`` end to end: JSON contract, SARIF, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from tests.licenses.corpus import make_model, needs_corpus, text_of

LLAMA3_BASE = "meta-llama/Meta-Llama-3-8B-Instruct"


def test_json_results_one_per_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = make_model(tmp_path, "clean", card={"license": "apache-2.0"})
    tuned = make_model(tmp_path, "tuned", card={"license": "mit", "base_model": LLAMA3_BASE})
    code = run(
        ["license", str(clean), str(tuned), "--preset", "commercial-saas", "--format", "json"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [r["path"] for r in data["results"]] == [str(clean), str(tuned)]
    assert data["results"][1]["license"]["id"] == "llama3"
    assert data["results"][1]["verdict"]["decision"] == "conditional"
    rules = {f["rule_id"] for f in data["findings"]}
    assert {"license.lineage.conflict", "license.metadata.mismatch"} <= rules


def test_clean_model_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = make_model(tmp_path, "clean", card={"license": "apache-2.0"})
    assert run(["license", str(clean), "--preset", "commercial-saas"]) == 0
    assert "apache-2.0" in capsys.readouterr().out


@needs_corpus
def test_use_file_and_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = make_model(
        tmp_path, card={"license": "cc-by-nc-4.0"}, files={"LICENSE": text_of("cc-by-nc-4.0")}
    )
    use = tmp_path / "use.yaml"
    use.write_text("commercial: true\n")
    code = run(["license", str(model), "--use", str(use), "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert code == 1
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["license.use.prohibited"]


@pytest.mark.parametrize(
    "extra",
    [["--preset", "nope"], ["--use", "missing.yaml"], ["--use", "a.yaml", "--preset", "research"]],
)
def test_bad_use_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    model = make_model(tmp_path)
    assert run(["license", str(model), *extra]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "hint:" in err
