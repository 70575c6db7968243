from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.config import load_settings
from modelsteward.errors import ConfigError, StewardError, UsageError


def test_steward_error_carries_message_and_hint() -> None:
    err = UsageError("no such file: x", hint="check the path")
    assert isinstance(err, StewardError)
    assert str(err) == "no such file: x"
    assert err.hint == "check the path"
    assert err.exit_code == 2


def test_environment_overrides_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "modelsteward.toml").write_text('registry = "sqlite:///from-toml.db"\n')
    assert load_settings().registry == "sqlite:///from-toml.db"
    monkeypatch.setenv("MODELSTEWARD_REGISTRY", "sqlite:///from-env.db")
    assert load_settings().registry == "sqlite:///from-env.db"


def test_pyproject_table_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELSTEWARD_FAIL_ON", raising=False)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.modelsteward]\nfail_on = "critical"\n'
        '[tool.modelsteward.scan]\nallow_globals = ["mypkg.Layer"]\n'
    )
    settings = load_settings()
    assert settings.fail_on == "critical"
    assert settings.scan.allow_globals == ["mypkg.Layer"]


def test_nested_environment_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELSTEWARD_SCAN__MAX_FILE_BYTES", "1024")
    assert load_settings().scan.max_file_bytes == 1024


def test_invalid_value_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELSTEWARD_SCAN__MAX_FILE_BYTES", "lots")
    with pytest.raises(ConfigError, match=r"scan\.max_file_bytes") as info:
        load_settings()
    assert "MODELSTEWARD_" in info.value.hint


def test_registry_defaults_to_sqlite_in_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELSTEWARD_REGISTRY", raising=False)
    settings = load_settings(data_dir=tmp_path / "data")
    assert settings.registry_dsn == f"sqlite:///{tmp_path / 'data' / 'registry.db'}"
