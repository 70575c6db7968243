"""``--help`` reads like a manual: value names and choices, never Python types; examples."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main

from modelsteward.cli.help_text import tidy
from modelsteward.cli.main import build_app, run

_PYTHON_TYPE = re.compile(r"<(list\[|str>|int>|float>|path>|Path>|bool>)")


def _paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        out += _paths(sub, (*prefix, name))
    return out


COMMANDS = _paths(tidy(typer.main.get_command(build_app(None))))


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "modelsteward")
def test_help_shows_no_python_types(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Usage: modelsteward" in text
    assert not _PYTHON_TYPE.search(text), text


def test_help_lists_choices_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    run(["--help"])
    top = capsys.readouterr().out
    assert "--format [table|json|sarif|markdown|cyclonedx]" in top
    assert "--fail-on [info|low|medium|high|critical]" in top
    assert "Examples:" in top
    for command in (["scan"], ["vulns"], ["vet"], ["license"], ["bom"], ["keys", "create"],
                    ["policy", "init"], ["serve"], ["guard"]):  # fmt: skip
        run([*command, "--help"])
        assert "Examples:" in capsys.readouterr().out, command


def test_preset_choices_are_listed_where_a_preset_is_taken(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from modelsteward.licenses import PRESETS

    for command in (["vet"], ["license"]):
        run([*command, "--help"])
        text = re.sub(r"-\s+", "-", capsys.readouterr().out)  # undo wrapping at hyphens
        assert all(name in text for name in PRESETS), command
