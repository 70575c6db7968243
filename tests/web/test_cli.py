"""``modelsteward web``: bad input is one error line with a hint, before anything listens."""

from __future__ import annotations

import pytest

from modelsteward.cli.main import run


def test_an_unsupported_registry_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["web", "--registry", "mysql://db/registry"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "error: unsupported registry DSN 'mysql://db/registry'"
    assert err[1].startswith("hint: use sqlite:///PATH or postgresql://")


def test_a_short_session_secret_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("MODELSTEWARD_WEB_SECRET", "short")
    assert run(["web", "--registry", f"sqlite:///{tmp_path}/r.db"]) == 2
    assert "MODELSTEWARD_WEB_SECRET is shorter than 32 characters" in capsys.readouterr().err
