"""Outgoing contributions on real git repositories made with the git CLI: planted secrets,
internal names, a proprietary header and a GPL file offered to an Apache-2.0 project; a clean
signed-off patch; the fast path; approvals under separation of duties bound to the digest."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from modelsteward.cli import main
from modelsteward.contrib.patch import parse_patch
from tests.shared import SHARED

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

APACHE_NOTICE = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/
"""

POLICY = """
version: 1
name: contributions-test
contributions:
  preapproved: ["upstream"]
  cla_required: ["cla-project"]
  fast_path_max_lines: 5
  copyright_holders: ["ACME Corp"]
  internal:
    domains: [corp.acme.com]
    code_names: [Bluebird]
    ticket_prefixes: [PLAT]
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def repos(tmp_path: Path, shared_license: str) -> tuple[Path, Path, Path]:
    """(the engineer's clone, the upstream checkout, the policy file)."""
    up = tmp_path / "upstream"
    up.mkdir()
    (up / "LICENSE").write_text(shared_license, encoding="utf-8")
    (up / "CONTRIBUTING.md").write_text(
        "# Contributing\n\nEvery commit needs a Developer Certificate of Origin sign-off "
        "(git commit -s).\n",
        encoding="utf-8",
    )
    fork = tmp_path / "fork"
    fork.mkdir()
    git(fork, "init", "-q", "-b", "main")
    git(fork, "config", "user.email", "dev@acme.com")
    git(fork, "config", "user.name", "Dev Eloper")
    (fork / "lib.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    git(fork, "add", ".")
    git(fork, "commit", "-qm", "init")
    git(fork, "checkout", "-qb", "fix")
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    return fork, up, policy


@pytest.fixture
def shared_license() -> str:
    """The Apache-2.0 text; from shared/ when present, else its recognisable header is
    not enough to identify, so the tests state the license instead."""
    src = SHARED / "data" / "model-licenses"
    path = src / "apache-2.0" / "LICENSE.txt"
    return path.read_text(encoding="utf-8") if path.is_file() else APACHE_NOTICE


def commit(fork: Path, files: dict[str, str], message: str, *, sign: bool = True) -> None:
    for name, text in files.items():
        (fork / name).write_text(text, encoding="utf-8")
    git(fork, "add", ".")
    git(fork, "commit", "-q", *(["-s"] if sign else []), "-m", message)


def _run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main.run(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


def _base(fork: Path, up: Path, policy: Path) -> list[str]:
    return [
        "--repo",
        str(fork),
        "--range",
        "main..fix",
        "--upstream",
        str(up),
        "--upstream-license",
        "apache-2.0",
        "--policy",
        str(policy),
    ]


def test_planted_problems_are_each_found_by_their_rule(
    repos: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fork, up, policy = repos
    commit(
        fork,
        {
            "lib.py": "def add(a, b):\n    return a + b\n"
            'KEY = "AKIAIOSFODNN7EXAMPLE"\n'
            'BUILD = "https://ci.corp.acme.com/job/7"  # see PLAT-1234\n'
            "# Copyright 2023 ACME Corp. All rights reserved.\n"
            "CUSTOMER = 'jane.doe@gmail.com'\n",
            "vendored.py": "# SPDX-License-Identifier: GPL-3.0-only\n"
            "# Copyright 2019 Someone Else\nx = 1\n",
        },
        "Add helpers",
    )
    code, data = _run_json(capsys, "contrib", "check", *_base(fork, up, policy), "-f", "json")
    assert code == 1
    rules = {(f["rule_id"], f["location"]["path"]) for f in data["findings"]}
    assert ("contrib.secret.known", "lib.py") in rules
    assert ("contrib.internal.identifier", "lib.py") in rules
    assert ("contrib.ownership.proprietary-header", "lib.py") in rules
    assert ("contrib.pii.personal-data", "lib.py") in rules
    assert ("contrib.license.incompatible", "vendored.py") in rules
    assert ("contrib.ownership.third-party-copyright", "vendored.py") in rules
    assert not any(r == "contrib.dco.missing" for r, _ in rules)  # committed with -s
    contribution = data["contribution"]
    assert contribution["upstream"]["requires_dco"] is True
    assert contribution["upstream"]["contributing"] == "CONTRIBUTING.md"


def test_a_clean_signed_off_patch_passes(
    repos: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fork, up, policy = repos
    commit(fork, {"lib.py": "def add(a, b):\n    return b + a\n"}, "Commute the sum")
    code, data = _run_json(capsys, "contrib", "check", *_base(fork, up, policy), "-f", "json")
    assert code == 0
    assert data["findings"] == []
    assert data["contribution"]["fast_path"] is True  # 2 lines to a pre-approved project


def test_missing_sign_off_and_weights_and_cla(
    repos: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fork, up, policy = repos
    (fork / "model.safetensors").write_bytes(b"\x00\x01" * 4000)
    commit(fork, {}, "Add weights", sign=False)
    code, data = _run_json(
        capsys,
        "contrib",
        "check",
        "--repo",
        str(fork),
        "--range",
        "main..fix",
        "--upstream",
        "cla-project",
        "--upstream-license",
        "mit",
        "--policy",
        str(policy),
        "-f",
        "json",
    )
    assert code == 1
    rules = sorted(f["rule_id"] for f in data["findings"])
    assert rules == ["contrib.binary.model-weights", "contrib.cla.required"]
    # DCO comes from the upstream's CONTRIBUTING.md; cla-project has none. Now ask for it:
    code, data = _run_json(capsys, "contrib", "check", *_base(fork, up, policy), "-f", "json")
    assert "contrib.dco.missing" in {f["rule_id"] for f in data["findings"]}


def test_patch_file_and_sarif(
    repos: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fork, up, policy = repos
    commit(fork, {"x.py": 'token = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"\n'}, "x")
    patch = tmp_path / "x.patch"
    patch.write_text(git(fork, "format-patch", "--stdout", "main..fix"), encoding="utf-8")
    code, data = _run_json(
        capsys,
        "contrib",
        "check",
        str(patch),
        "--upstream",
        str(up),
        "--upstream-license",
        "apache-2.0",
        "--policy",
        str(policy),
        "-f",
        "sarif",
    )
    assert code == 1
    assert [r["ruleId"] for r in data["runs"][0]["results"]] == ["contrib.secret.known"]


def test_request_approval_flow_binds_to_the_digest(
    repos: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fork, up, policy = repos
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    reg = ("--registry", dsn)
    # Nine lines: above the 5-line fast path, so reviewers are needed.
    commit(fork, {"lib.py": "".join(f"x{i} = {i}\n" for i in range(9))}, "Constants")
    base = _base(fork, up, policy)
    code, data = _run_json(
        capsys,
        "contrib",
        "request",
        *base,
        "--justification",
        "fixes our outage",
        "--record",
        "--as",
        "dev:requester",
        "-f",
        "json",
        *reg,
    )
    assert code == 0
    record = data["record"]
    assert record["kind"] == "contribution"
    assert record["missing_roles"] == ["legal", "security"]  # first contribution to upstream
    rid = str(record["id"])
    assert main.run(["contrib", "status", *base[:4], *reg]) == 1  # still pending
    assert (
        main.run(
            ["registry", "decision", "approve", rid, "--reason", "x", "--as", "dev:legal", *reg]
        )
        == 2
    )
    assert "cannot also sign it" in capsys.readouterr().err
    assert (
        main.run(
            ["registry", "decision", "approve", rid, "--reason", "ok", "--as", "lu:legal", *reg]
        )
        == 0
    )
    assert (
        main.run(
            ["registry", "decision", "approve", rid, "--reason", "ok", "--as", "sa:security", *reg]
        )
        == 0
    )
    capsys.readouterr()
    code, data = _run_json(capsys, "contrib", "status", *base[:4], "-f", "json", *reg)
    assert code == 0 and data["approved"] is True
    # A changed patch is a different digest: it needs its own approval.
    commit(fork, {"lib.py": "".join(f"x{i} = {i}\n" for i in range(10))}, "One more")
    assert main.run(["contrib", "status", *base[:4], *reg]) == 1
    assert "no contribution request for this patch" in capsys.readouterr().err
    # The second contribution to the same project needs only the usual approvers.
    code, data = _run_json(
        capsys,
        "contrib",
        "request",
        *base,
        "--justification",
        "follow-up",
        "--record",
        "--as",
        "dev:requester",
        "-f",
        "json",
        *reg,
    )
    assert data["record"]["missing_roles"] == ["legal"]
    code, data = _run_json(capsys, "contrib", "list", "-f", "json", *reg)
    assert len(data["requests"]) == 2


def test_fast_path_records_an_approved_request(
    repos: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fork, up, policy = repos
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    commit(fork, {"lib.py": "def add(a, b):\n    return b + a\n"}, "Commute")
    base = _base(fork, up, policy)
    code, data = _run_json(
        capsys,
        "contrib",
        "request",
        *base,
        "--justification",
        "typo",
        "--record",
        "--as",
        "dev:requester",
        "-f",
        "json",
        "--registry",
        dsn,
    )
    assert code == 0
    assert data["record"]["state"] == "approved" and data["record"]["required_roles"] == []
    assert main.run(["contrib", "status", *base[:4], "--registry", dsn]) == 0


def test_a_patch_with_high_findings_cannot_be_requested(
    repos: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fork, up, policy = repos
    commit(fork, {"k.py": 'KEY = "AKIAIOSFODNN7EXAMPLE"\n'}, "key")
    code, data = _run_json(
        capsys,
        "contrib",
        "request",
        *_base(fork, up, policy),
        "--justification",
        "x",
        "--record",
        "--as",
        "dev:requester",
        "-f",
        "json",
        "--registry",
        f"sqlite:///{tmp_path / 'reg.db'}",
    )
    assert code == 1
    assert "record" not in data


def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.run(["contrib", "check"]) == 2
    assert "contrib needs a patch file" in capsys.readouterr().err
    empty = tmp_path / "empty.patch"
    empty.write_text("hello\n", encoding="utf-8")
    assert main.run(["contrib", "check", str(empty)]) == 2
    assert "holds no file change" in capsys.readouterr().err
    assert main.run(["contrib", "check", "--repo", str(tmp_path), "--range", "a..b"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_removed_lines_that_look_like_headers_are_not_misread() -> None:
    text = (
        "diff --git a/q.sql b/q.sql\n--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,2 @@\n"
        "--- a comment removed\n+-- a comment added\n ctx\n"
    )
    patch = parse_patch(text)
    assert patch.files[0].removed == 1
    assert patch.files[0].added == [(1, "-- a comment added")]
