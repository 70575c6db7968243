"""``policy init`` writes a commented policy that loads; ``policy show`` prints the one in force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.policy import default_policy, load_policy


def test_init_writes_a_commented_copy_of_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "acme.yaml"
    assert run(["policy", "init", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "#   exceptions      waive one rule" in text
    assert f"# Use it:   modelsteward vet MODEL --policy {target}" in text
    written = load_policy(target)
    shipped = default_policy()
    assert [r.id for r in written.rules] == [r.id for r in shipped.rules]
    assert written.name == shipped.name and written.mode == shipped.mode
    assert f"wrote {target}" in capsys.readouterr().err
    assert run(["policy", "init", str(target)]) == 2
    err = capsys.readouterr().err
    assert "error: " in err and "already exists" in err and "--force" in err
    assert run(["policy", "init", str(target), "--force"]) == 0


def test_show_prints_the_policy_in_force_as_a_policy_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["policy", "show"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("# policy in force: modelsteward-default revision 2026.11 from")
    assert f"# sha256 {default_policy().digest}" in shown
    copy = tmp_path / "copy.yaml"
    copy.write_text(shown, encoding="utf-8")
    assert [r.id for r in load_policy(copy).rules] == [r.id for r in default_policy().rules]
    custom = tmp_path / "custom.yaml"
    custom.write_text(
        "version: 1\nname: acme\nrules:\n  - {id: s, kind: scan.severity, max: low}\n", "utf-8"
    )
    assert run(["policy", "show", "--policy", str(custom), "--format", "json"]) == 0
    policy = json.loads(capsys.readouterr().out)["policy"]
    assert (policy["name"], policy["rules"], policy["source"]) == ("acme", ["s"], str(custom))
    assert policy["text"] == custom.read_text(encoding="utf-8")
