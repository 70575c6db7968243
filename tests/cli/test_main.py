from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelsteward._version import VERSION
from modelsteward.cli.main import hoist_global_options, run


def _model(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "llama"}')
    return model


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"modelsteward {VERSION}"


def test_missing_path_exits_2_with_error_and_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["inventory", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: no such file or directory: {tmp_path / 'nope'}",
        "hint: check the path, or list it with ls",
    ]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--bogus"], "No such option: --bogus"),
        (["inventory", "--nope", "x"], "No such option: --nope"),
        (["--format", "xml", "inventory", "x"], "'xml' is not one of"),
        (["--fail-on", "severe", "inventory", "x"], "unknown severity 'severe'"),
        (["no-such-command"], "No such command"),
    ],
)
def test_bad_options_exit_2_with_one_line_error(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].startswith("error: ") and needle in err[0]
    assert err[1].startswith("hint: ")


def test_global_options_work_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(tmp_path)
    assert run(["inventory", str(model), "--format", "json", "--no-progress"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["relpath"] for f in data["files"]] == ["config.json"]


def test_output_file_is_written_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(tmp_path)
    out = tmp_path / "inv.sarif"
    assert run(["--format", "sarif", "--output", str(out), "inventory", str(model)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert not out.with_name("inv.sarif.tmp").exists()


@pytest.mark.parametrize("command", [["scan"], ["inventory"], ["--no-progress", "scan"]])
def test_output_into_a_missing_directory_is_an_error_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    model = _model(tmp_path)
    out = tmp_path / "nonexistent-dir" / "x.json"
    assert run([*command, str(model), "-o", str(out), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write {out}: the directory") and "hint:" in err
    assert not out.parent.exists()


def test_fail_on_gates_the_exit_code(tmp_path: Path) -> None:
    model = _model(tmp_path)
    (model / "escape").symlink_to("/etc/hostname")
    assert run(["inventory", str(model), "--format", "json"]) == 1  # high >= default high
    assert run(["inventory", str(model), "--format", "json", "--fail-on", "critical"]) == 0


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("modelsteward.toml", 'fail_on = "critical"\n'),
        ("pyproject.toml", '[tool.modelsteward]\nfail_on = "critical"\n'),
        ("env", "critical"),
    ],
)
def test_fail_on_is_read_from_every_settings_source(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    text: str,
) -> None:
    model = _model(tmp_path)
    (model / "escape").symlink_to("/etc/hostname")  # a high finding
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert run(["inventory", str(model), "--format", "json"]) == 1
    if source == "env":
        monkeypatch.setenv("MODELSTEWARD_FAIL_ON", text)
    else:
        (work / source).write_text(text, encoding="utf-8")
    assert run(["inventory", str(model), "--format", "json"]) == 0
    assert run(["inventory", str(model), "--format", "json", "--fail-on", "high"]) == 1
    capsys.readouterr()


def test_a_bogus_fail_on_setting_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELSTEWARD_FAIL_ON", "severe")
    assert run(["inventory", str(_model(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid setting fail_on:") and "'severe' is not a severity" in err
    assert "hint:" in err


@pytest.mark.parametrize("flag", ["-v", "--verbose"])
def test_usage_errors_exit_2_without_a_traceback_under_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    assert run([flag, "inventory", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert run([flag, "registry", "list", "--registry", "mysql://x"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "error: unsupported registry DSN" in err  # not a usage error


def test_hoisting_leaves_command_arguments_alone() -> None:
    argv = ["scan", "a", "--format=json", "b", "-o", "out.json", "--", "--verbose"]
    assert hoist_global_options(argv) == [
        "--format=json",
        "-o",
        "out.json",
        "scan",
        "a",
        "b",
        "--",
        "--verbose",
    ]


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "modelsteward", "inventory", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: no such file or directory")


def _command_names(app: object) -> set[str]:
    import typer.main

    group = typer.main.get_command(app)  # type: ignore[arg-type]
    return set(group.commands)  # type: ignore[attr-defined]


def test_every_command_is_mapped_to_the_area_that_registers_it() -> None:
    from modelsteward.cli.commands import COMMAND_AREAS
    from modelsteward.cli.main import build_app

    everything = _command_names(build_app(None))
    assert everything - {"demo", "inventory"} == set(COMMAND_AREAS)
    for command in COMMAND_AREAS:
        assert command in _command_names(build_app(command)), command


def test_version_does_not_import_the_areas() -> None:
    code = (
        "import sys; from modelsteward.cli.main import run; run(['--version']); "
        "print(sorted(m for m in sys.modules if m.startswith('modelsteward.cli.')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = proc.stdout.splitlines()[-1]
    for area in ("scan", "license", "vulns", "guard", "vet", "registry", "serve"):
        assert f"'modelsteward.cli.{area}'" not in loaded
