"""The lean ``scan`` path starts quickly: it imports none of the costly standard-library
modules, and it parses ``pyproject.toml`` only when the file may hold its table."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from modelsteward.config_sources import may_name_table

# Each of these costs milliseconds at start-up (``dataclasses`` pulls in ``inspect``, ``ast``
# and ``tokenize``; ``tomllib`` pulls in ``typing`` and ``datetime``).
SLOW = ("typing", "dataclasses", "inspect", "ast", "tokenize", "tomllib", "datetime", "gzip", "bz2")
# What the scan of a torch checkpoint must have loaded, so that the check above means something.
USED = ("modelsteward.scan.archive", "modelsteward.scan.zipdir", "modelsteward.scan.pickle_vm")

PROBE = """\
import sys
from modelsteward.cli.entry import lean_scan
code = lean_scan(["scan", sys.argv[1], "-f", "json"])
print(code, " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _torch_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("model/data.pkl", pickle.dumps({"w": [1.0, 2.0]}, protocol=2))
        zf.writestr("model/version", "3\n")
        zf.writestr("model/data/0", b"\0" * 64)
    return path


def test_lean_scan_of_a_torch_checkpoint_skips_slow_imports(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    # A project that depends on modelsteward, without configuring it.
    (work / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["modelsteward[scan]"]\n'
        '[project.scripts]\nmodelsteward-app = "app:main"\n',
        encoding="utf-8",
    )
    ckpt = _torch_zip(tmp_path / "model.pt")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELSTEWARD_")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(ckpt)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    code, _, names = proc.stderr.strip().partition(" ")
    modules = set(names.split())
    assert code == "0"
    assert '"findings": []' in proc.stdout
    assert set(USED) <= modules
    assert sorted(set(SLOW) & modules) == []


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ("[project]\nname = 'modelsteward'\n", False),
        ("[project]\ndependencies = [\n  'modelsteward[all]',\n]\n", False),
        ("[tool.ruff]\nsrc = ['modelsteward']\n# [tool.modelsteward]\n", False),
        ("[tool.modelsteward]\n", True),
        ("[tool.modelsteward.scan]\nmax_file_bytes = 1\n", True),
        ("[ tool . 'modelsteward' ]\n", True),
        ('["tool"."modelsteward"]\n', True),
        ("[tool]\nmodelsteward = {}\n", True),
        ("[[tool]]\nx = 'modelsteward'\n", True),
        ("tool.modelsteward.scan.max_file_bytes = 1\n", True),
        ("tool = { modelsteward = {} }\n", True),
        ('"t\\u006fol".modelsteward = {}\n', True),
        ("tool.\"model\\u0073teward\" = {}\nname = 'modelsteward'\n", True),
        ("[tool.modelsteward\nbroken", True),
    ],
)
def test_pyproject_is_parsed_only_when_it_may_name_the_table(text: str, may: bool) -> None:
    assert may_name_table(text.encode()) is may


@pytest.mark.parametrize(
    "text",
    [
        "[tool.modelsteward]\n",
        "[tool]\nmodelsteward = {}\n",
        "tool.modelsteward.scan.max_file_bytes = 1\n",
        "tool = { modelsteward = {} }\n",
        '"t\\u006fol".modelsteward = {}\n',
        '[tool."model\\u0073teward"]\nname = "modelsteward"\n',
    ],
)
def test_every_document_holding_the_table_is_parsed(text: str) -> None:
    # The premise: tomllib finds [tool.modelsteward] in each of these.
    assert "modelsteward" in tomllib.loads(text).get("tool", {})
    if "modelsteward" in text:  # (a file that never spells the name is not read at all)
        assert may_name_table(text.encode())
