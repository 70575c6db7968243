"""Commands that check nothing stay quiet about findings; empty listings say so plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.registry import open_registry
from modelsteward.vulns.sample import write_sample_records


def test_listing_commands_print_no_findings_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(tmp_path / "data"))
    assert run(["db", "update", "--from", str(write_sample_records(tmp_path / "r"))]) == 0
    assert run(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "no findings" not in out and "['PyPI']" not in out
    assert "│ ecosystems │ PyPI" in out
    dsn = f"sqlite:///{tmp_path / 'registry.db'}"
    open_registry(dsn).close()
    assert run(["registry", "list", "--registry", dsn]) == 0
    out = capsys.readouterr().out
    assert "no models registered" in out
    assert "no findings" not in out and "1-0 of 0" not in out
