"""Open candidates judged from their files or their registry passport, for the scenario's
use: a model whose files run code on load is out, whatever its cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.cli import main
from modelsteward.demo.models import DemoWorkspace, build_workspace

pytest.importorskip("safetensors")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    return build_workspace(tmp_path_factory.mktemp("models"))


def _scenario(ws: DemoWorkspace, tmp_path: Path, models: dict[str, str]) -> Path:
    lines = [
        "version: 1",
        "name: from-files",
        "use: {requests_per_month: 1000000, input_tokens: 500, output_tokens: 100,",
        "      customer_facing: false}",
        "open:",
    ]
    for name, model in models.items():
        lines.append(
            f"  - {{name: {name}, model: '{model}', gpu: l4-24gb, tokens_per_second_per_gpu: 800}}"
        )
    lines += [
        "commercial:",
        "  - {name: api, provider: P, model: m, input_usd_per_mtok: 0.5, output_usd_per_mtok: 1.5}",
    ]
    path = tmp_path / "scenario.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_path_candidates_are_vetted_for_this_use(
    workspace: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _scenario(
        workspace,
        tmp_path,
        {"clean": str(workspace.clean), "trojan": str(workspace.trojan)},
    )
    assert main.run(["select", str(path), "-f", "json"]) == 0
    sel = json.loads(capsys.readouterr().out)["selection"]
    by = {c["name"]: c for c in sel["candidates"]}
    assert by["clean"]["eligible"] is True
    assert by["clean"]["evidence"]["license"] == "apache-2.0"
    assert by["clean"]["evidence"]["license_decision"] == "allowed"
    trojan = by["trojan"]
    assert trojan["eligible"] is False
    assert trojan["evidence"]["policy_outcome"] == "reject"
    assert trojan["reasons"][0].startswith("the policy rejected the model: Loading this pickle")
    assert "posix.system" in trojan["reasons"][0]


def test_registered_candidates_use_their_passport(
    workspace: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    assert main.run(
        ["vet", str(workspace.clean), "--record", "--registry", dsn, "--as", "ann:requester"]
    ) in (0, 1)
    capsys.readouterr()
    assert main.run(["registry", "list", "--registry", dsn, "-f", "json"]) == 0
    name = json.loads(capsys.readouterr().out)["models"][0]["name"]
    path = _scenario(workspace, tmp_path, {"clean": f"registry:{name}"})
    args = ["select", str(path), "--registry", dsn, "--record", "--as", "ann:requester"]
    assert main.run([*args, "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    clean = data["selection"]["candidates"][0]
    assert clean["evidence"]["source"] == f"registry:{name}"
    assert clean["evidence"]["license"] == "apache-2.0"
    assert clean["evidence"]["manifest_digest"]
    assert data["record"]["models"] == [name]
    # The decision is shown with the model.
    assert main.run(["registry", "show", name, "--registry", dsn, "-f", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in shown["decisions"]] == [data["record"]["id"]]


def test_an_unknown_model_reference_is_a_clear_error(
    workspace: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    path = _scenario(workspace, tmp_path, {"x": "no/such/model"})
    assert main.run(["select", str(path), "--registry", dsn]) == 2
    err = capsys.readouterr().err
    assert "'no/such/model' is neither a model directory nor a registered model" in err
    assert "hint:" in err
