"""The CI recipes work as written: the pre-commit hooks' entry points run on the files
pre-commit would pass, and the GitHub Actions workflow's modelsteward steps run as shipped."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from modelsteward.cli.main import run
from modelsteward.demo import DemoWorkspace, build_workspace
from modelsteward.vulns.sample import write_sample_records

REPO = Path(__file__).resolve().parents[1]
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
WORKFLOW = yaml.safe_load((REPO / "examples" / "ci" / "github-actions.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    return build_workspace(tmp_path_factory.mktemp("ci") / "ws")


def _staged(root: Path, pattern: str, under: Path) -> list[str]:
    """The files pre-commit would pass: paths relative to the repository root."""
    regex = re.compile(pattern)
    return sorted(
        str(p.relative_to(root)) for p in under.rglob("*") if p.is_file() and regex.search(str(p))
    )


def _hook(hook_id: str, files: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    (hook,) = [h for h in HOOKS if h["id"] == hook_id]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "modelsteward"  # the console script; run it as the module here
    argv = [sys.executable, "-m", "modelsteward", *entry[1:], *hook.get("args", []), *files]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELSTEWARD_")}
    env["MODELSTEWARD_DATA_DIR"] = str(cwd / ".data")
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_hooks_are_complete_pre_commit_definitions() -> None:
    assert [h["id"] for h in HOOKS] == ["modelsteward-scan", "modelsteward-vet"]
    for hook in HOOKS:
        assert {"id", "name", "entry", "language", "files"} <= hook.keys()
        assert hook["language"] == "python"
        re.compile(hook["files"])


def test_scan_hook_fails_the_commit_on_the_trojan_only(workspace: DemoWorkspace) -> None:
    root = workspace.root
    pattern = HOOKS[0]["files"]
    staged = _staged(root, pattern, root / "models")
    assert "models/helpful-llama-trojan/pytorch_model.bin" in staged
    assert not any(f.endswith((".md", ".json")) for f in staged)
    bad = _hook("modelsteward-scan", staged, root)
    assert bad.returncode == 1, bad.stderr
    assert "scan.pickle.unsafe-global" in bad.stdout
    clean = _hook("modelsteward-scan", _staged(root, pattern, workspace.clean), root)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_vet_hook_rejects_the_trojan_and_passes_the_clean_model(
    workspace: DemoWorkspace,
) -> None:
    root = workspace.root
    pattern = HOOKS[1]["files"]
    bad = _hook("modelsteward-vet", _staged(root, pattern, workspace.trojan), root)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "reject" in bad.stdout
    clean = _hook("modelsteward-vet", _staged(root, pattern, workspace.clean), root)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def _steps() -> list[str]:
    steps = WORKFLOW["jobs"]["vet"]["steps"]
    return [
        " ".join(s["run"].split()) for s in steps if s.get("run", "").startswith("modelsteward")
    ]


def test_workflow_steps_run_as_written(
    workspace: DemoWorkspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(tmp_path / "data"))
    for key, value in WORKFLOW["env"].items():
        monkeypatch.setenv(key, str(value))
    (tmp_path / "requirements.txt").write_text("vllm==0.8.4\ngradio==4.19.0\n", "utf-8")
    assert run(["policy", "init", "modelsteward-policy.yaml"]) == 0
    models = [str(workspace.clean), str(workspace.trojan)]
    codes = {}
    for line in _steps():
        argv = []
        for word in shlex.split(line)[1:]:
            argv += models if word == "$MODELS" else [word]
        if argv[:2] == ["db", "update"]:
            argv += ["--from", str(write_sample_records(tmp_path / "records"))]  # offline
        codes[argv[0]] = run(argv)
    capsys.readouterr()
    assert codes == {"scan": 1, "db": 0, "vet": 1, "vulns": 1}  # the trojan, the stack
    sarif = json.loads((tmp_path / "modelsteward-scan.sarif").read_text(encoding="utf-8"))
    rule_ids = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "scan.pickle.unsafe-global" in rule_ids and sarif["runs"][0]["artifacts"]
    passports = (tmp_path / "passports.md").read_text(encoding="utf-8")
    assert "helpful-llama-trojan" in passports and "tiny-llama" in passports
