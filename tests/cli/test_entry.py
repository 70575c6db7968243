"""The lean ``scan`` path: same output and exit codes as the full CLI, without its imports."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from modelsteward.cli.entry import lean_scan, parse_scan
from modelsteward.cli.main import run
from modelsteward.config_sources import any_source_present


def _call_pickle(module: str, name: str, arg: str) -> bytes:
    head = f"c{module}\n{name}\n".encode()
    return b"\x80\x02" + head + b"X" + len(arg).to_bytes(4, "little") + arg.encode() + b"\x85R."


@pytest.fixture
def plain_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory and environment with no settings source."""
    for key in list(os.environ):
        if key.startswith("MODELSTEWARD_"):
            monkeypatch.delenv(key)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def models(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    root.mkdir()
    (root / "trojan.pkl").write_bytes(_call_pickle("posix", "system", "id"))
    (root / "clean.pkl").write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=4))
    return root


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "M"],
        ["scan", "M", "--format", "json"],
        ["--format=sarif", "scan", "M"],
        ["scan", "-f", "json", "--fail-on", "critical", "M"],
        ["scan", "--fail-on", "info", "M/clean.pkl"],
        ["scan", "--allow-global", "posix.system", "-f", "json", "M"],
        ["scan", "--hash", "--no-progress", "-f", "json", "M/clean.pkl"],
        ["scan", "--hash", "M"],
        ["scan", "--hash", "-f", "sarif", "M"],
        ["scan", "M/clean.pkl"],
        ["scan", "--", "M/clean.pkl"],
    ],
)
def test_lean_path_matches_the_full_cli(
    argv: list[str], plain_env: Path, models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("M", str(models)) if "M" in a else a for a in argv]
    lean = lean_scan(args)
    lean_out = capsys.readouterr()
    full = run(args)
    full_out = capsys.readouterr()
    assert lean is not None, "these arguments qualify for the lean path"
    assert (lean, lean_out.out, lean_out.err) == (full, full_out.out, full_out.err)


def test_lean_path_reports_the_exact_call(
    plain_env: Path, models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lean_scan(["scan", str(models), "-f", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["evidence"]) for f in findings] == [
        ("scan.pickle.unsafe-global", "posix.system")
    ]
    assert "posix.system('id')" in findings[0]["message"]


def test_lean_path_writes_output_file(
    plain_env: Path, models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = plain_env / "scan.sarif"
    assert lean_scan(["scan", str(models), "-o", str(out), "-f", "sarif"]) == 1
    assert capsys.readouterr().out == ""
    sarif = json.loads(out.read_text(encoding="utf-8"))
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert "scan.pickle.unsafe-global" in {r["id"] for r in rules}


def test_lean_path_output_into_a_missing_directory_creates_nothing(
    plain_env: Path, models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = plain_env / "nonexistent-dir" / "x.json"
    assert lean_scan(["scan", str(models), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write {out}: the directory") and "hint:" in err
    assert not out.parent.exists()


def test_missing_path_is_one_error_line_and_a_hint(
    plain_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lean_scan(["scan", str(plain_env / "nope")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: no such file or directory: {plain_env / 'nope'}",
        "hint: check the path, or list it with ls",
    ]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["scan"],
        ["scan", "--help"],
        ["--version"],
        ["inventory", "x"],
        ["scan", "x", "--verbose"],
        ["scan", "x", "--format", "markdown"],
        ["scan", "x", "--format"],
        ["scan", "x", "--fail-on", "severe"],
        ["scan", "x", "--bogus"],
        ["scan", "x", "--hash=yes"],
        ["scan", "x", "-fjson"],
        ["scan", ""],
        ["x", "scan"],
    ],
)
def test_everything_else_goes_to_the_full_cli(argv: list[str]) -> None:
    assert parse_scan(argv) is None


@pytest.mark.parametrize(
    "env",
    [
        {"MODELSTEWARD_SCAN__MAX_FILE_BYTES": "10"},
        {"MODELSTEWARD_FAIL_ON": "critical", "MODELSTEWARD_REGISTRY": "sqlite:///x.db"},
        {"MODELSTEWARD_SCAN__ALLOW_GLOBALS": '["posix.system"]', "MODELSTEWARD_OFFLINE": "1"},
        {"MODELSTEWARD_SCAN__TIMEOUT_S": "30.5", "MODELSTEWARD_API_KEY": "sk-x"},
    ],
)
def test_settings_from_the_environment_stay_on_the_lean_path(
    env: dict[str, str],
    plain_env: Path,
    models: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = ["scan", str(models), "-f", "json"]
    lean = lean_scan(args)
    lean_out = capsys.readouterr()
    full = run(args)
    full_out = capsys.readouterr()
    assert lean is not None, "scan settings from the environment qualify"
    assert (lean, lean_out.out, lean_out.err) == (full, full_out.out, full_out.err)


@pytest.mark.parametrize(
    "env",
    [
        {"MODELSTEWARD_SCAN__MAX_FILE_BYTES": "ten"},
        {"MODELSTEWARD_FAIL_ON": "urgent"},
        {"MODELSTEWARD_OFFLINE": "maybe"},
        {"MODELSTEWARD_SCAN__ALLOW_GLOBALS": "posix.system"},
        {"MODELSTEWARD_UNKNOWN_SETTING": "1"},
        {"modelsteward_fail_on": "critical"},
    ],
)
def test_doubtful_variables_go_to_the_full_cli(
    env: dict[str, str], plain_env: Path, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert lean_scan(["scan", str(models)]) is None


def test_a_settings_file_sends_scan_to_the_full_cli(plain_env: Path, models: Path) -> None:
    (plain_env / "modelsteward.toml").write_text("[scan]\nmax_file_bytes = 10\n", "utf-8")
    assert lean_scan(["scan", str(models)]) is None


@pytest.mark.parametrize(
    ("files", "present"),
    [
        ({}, False),
        ({"modelsteward.toml": "[scan]\n"}, True),
        ({"pyproject.toml": "[project]\nname = 'x'\n"}, False),
        ({"pyproject.toml": "[project]\nname = 'modelsteward-user'\n"}, False),
        ({"pyproject.toml": "[tool.modelsteward.scan]\nmax_file_bytes = 1\n"}, True),
        ({"pyproject.toml": "[tool.modelsteward\nbroken"}, True),
    ],
)
def test_settings_sources_are_detected(
    files: dict[str, str], present: bool, plain_env: Path
) -> None:
    for name, text in files.items():
        (plain_env / name).write_text(text, encoding="utf-8")
    assert any_source_present() is present


def test_lean_defaults_equal_the_settings_defaults() -> None:
    from modelsteward.cli.scan import scan_options
    from modelsteward.cli.state import CliState
    from modelsteward.config import Settings
    from modelsteward.scan import ScanOptions

    state = CliState(settings=Settings())
    assert scan_options(state, hash_files=False, allow=[]) == ScanOptions()


def test_lean_path_imports_neither_typer_rich_nor_pydantic(plain_env: Path, models: Path) -> None:
    probe = (
        "import sys\n"
        "from modelsteward.cli.entry import lean_scan\n"
        f"code = lean_scan(['scan', {str(models / 'clean.pkl')!r}, '-f', 'json'])\n"
        "heavy = {'typer', 'rich', 'pydantic', 'pydantic_settings', 'jinja2', 'click'}\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELSTEWARD_")}
    # CI jobs set variables: they keep the lean path.
    env |= {"MODELSTEWARD_SCAN__MAX_FILE_BYTES": "1000000", "MODELSTEWARD_REGISTRY": "x"}
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=plain_env,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert proc.stderr.strip() == "0 []"
    assert json.loads(proc.stdout)["findings"] == []


def test_hash_shows_every_hash_in_each_format(
    plain_env: Path, models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib

    digest = hashlib.sha256((models / "clean.pkl").read_bytes()).hexdigest()
    lean_scan(["scan", "--hash", str(models)])
    table = capsys.readouterr().out
    assert f"files (2) in {models}" in table and digest in table
    lean_scan(["scan", "--hash", "-f", "json", str(models)])
    listed = {a["path"]: a for a in json.loads(capsys.readouterr().out)["artifacts"]}
    assert listed[str(models / "clean.pkl")]["sha256"] == digest
    lean_scan(["scan", "--hash", "-f", "sarif", str(models)])
    run_ = json.loads(capsys.readouterr().out)["runs"][0]
    hashes = {a["location"]["uri"].rsplit("/", 1)[-1]: a["hashes"] for a in run_["artifacts"]}
    assert hashes["clean.pkl"] == {"sha-256": digest}
    lean_scan(["scan", "-f", "json", str(models)])
    assert "artifacts" not in json.loads(capsys.readouterr().out)
