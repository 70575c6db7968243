"""The suite never touches the user's own data directory."""

from __future__ import annotations

import os
from pathlib import Path

from modelsteward.config import default_data_dir, load_settings


def test_the_default_data_directory_is_the_runs_temporary_one(test_data_home: Path) -> None:
    assert os.environ["XDG_DATA_HOME"] == str(test_data_home)
    assert default_data_dir().is_relative_to(test_data_home)
    real = Path.home() / ".local" / "share" / "modelsteward"
    settings = load_settings()
    assert not Path(settings.registry_dsn.removeprefix("sqlite:///")).is_relative_to(real)
    assert settings.registry_dsn.startswith(f"sqlite:///{test_data_home}")
