"""``evaluate --record``: the evaluation joins the registered model's passport and the registry
shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.cli.main import run
from tests.safety.evaluation.upstreams import refuser, serve


def test_evaluate_record_attaches_to_the_registered_passport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(tmp_path / "data"))
    model = tmp_path / "acme-model"
    model.mkdir()
    (model / "model.gguf").write_bytes(b"GGUF" + b"\0" * 60)
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    reg = ["--registry", dsn, "--as", "ana:requester"]
    run(["vet", str(model), "--preset", "commercial-saas", "--record", *reg])
    capsys.readouterr()
    with serve(refuser) as srv:
        args = ["evaluate", "--endpoint", srv.url, "--model", "acme-model", "--limit", "28"]
        code = run([*args, "--transcript", str(tmp_path / "t.jsonl"), "--record", *reg])
    assert code == 0
    assert "recorded the evaluation on acme-model" in capsys.readouterr().err
    assert run(["registry", "show", "acme-model", "--registry", dsn]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "safety evaluation" in shown and "modelsteward-core" in shown
    assert "on these files" in shown and "asr 0.00" in shown


def test_evaluate_record_needs_a_registered_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(tmp_path / "data"))
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    with serve(refuser) as srv:
        args = ["evaluate", "--endpoint", srv.url, "--model", "ghost", "--limit", "3"]
        code = run([*args, "--transcript", str(tmp_path / "t.jsonl"), "--record"])
        code = run(
            [
                *args,
                "--transcript",
                str(tmp_path / "u.jsonl"),
                "--record",
                "--registry",
                dsn,
                "--as",
                "a:requester",
            ]
        )
    assert code == 2
    assert "error:" in capsys.readouterr().err
