"""The ``registry`` commands end to end, on a real registry and real demo model files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.cli import main
from modelsteward.demo import DemoWorkspace, build_workspace


@pytest.fixture
def cli() -> object:
    """``cli(*args) -> exit code`` through the real entry point."""
    return lambda *args: main.run(list(args))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    return build_workspace(tmp_path_factory.mktemp("ws"))


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_register_vet_approve_deploy_and_verify(
    cli: object,
    workspace: DemoWorkspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = cli  # type: ignore[assignment]
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    monkeypatch.setenv("MODELSTEWARD_REGISTRY", dsn)
    assert (
        run("registry", "add", str(workspace.clean), "--as", "alice:requester", "-f", "json") == 0
    )
    models = _json(capsys)["models"]
    assert isinstance(models, list)
    name = models[0]["name"]
    assert name == workspace.clean.name and models[0]["file_count"] >= 3

    from modelsteward.registry import open_registry

    reg = open_registry(dsn)
    reg.record_passport(name, {"license": "apache-2.0"}, "needs_review", ["legal"], ["x"], "ci")
    reg.close()

    assert run("registry", "request", name, "--as", "alice:requester") == 0
    capsys.readouterr()
    # Separation of duties: exit 2 with a hint, no traceback.
    assert run("registry", "approve", name, "--as", "alice:legal", "--reason", "mine") == 2
    err = capsys.readouterr().err
    assert "cannot also sign" in err and "hint:" in err
    assert run("registry", "approve", name, "--as", "bob:legal", "--reason", "ok") == 0
    capsys.readouterr()
    assert run("registry", "check", str(workspace.clean), "-f", "json") == 0
    assert _json(capsys)["results"][0]["approved"] is True  # type: ignore[index]
    assert run("registry", "check", str(workspace.trojan)) == 1
    capsys.readouterr()
    assert (
        run(
            "registry",
            "deploy",
            name,
            "--target",
            "prod-1",
            "--engine",
            "llama.cpp",
            "--package",
            "xllamacpp==0.2.0",
            "--as",
            "ops:admin",
            "-f",
            "json",
        )
        == 0
    )
    assert _json(capsys)["deployment"]["target"] == "prod-1"  # type: ignore[index]
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        "# serving stack\nvllm==0.8.5\nnumpy>=1.26\ntorch\n--index-url https://x.invalid\n"
        "fastapi==0.115.0 ; python_version >= '3.8'\n",
        encoding="utf-8",
    )
    deploy = ("registry", "deploy", name, "--target", "prod-2", "--engine", "vllm")
    assert run(*deploy, "--inventory", str(reqs), "--as", "ops:admin", "-f", "json") == 0
    out = capsys.readouterr()
    body = json.loads(out.out)
    assert body["deployment"]["runtime_inventory"] == [
        {"name": "vllm", "version": "0.8.5"},
        {"name": "fastapi", "version": "0.115.0"},
    ]
    assert sorted(s["path"] for s in body["skipped"]) == [f"{reqs}:3", f"{reqs}:4"]
    assert "warning: not recorded" in out.err and "numpy is not pinned" in out.err
    assert run("registry", "list", "-f", "json") == 0
    assert _json(capsys)["total"] == 1
    assert run("registry", "show", name, "-f", "json") == 0
    shown = _json(capsys)
    assert shown["model"]["status"] == "approved"  # type: ignore[index]
    assert run("registry", "audit", "verify", "-f", "json") == 0
    audit = _json(capsys)["audit"]
    assert audit["ok"] is True and audit["count"] == 6  # type: ignore[index]
    exported = tmp_path / "audit.jsonl"
    assert run("registry", "audit", "export", "-o", str(exported)) == 0
    assert len(exported.read_text().splitlines()) == 6


@pytest.mark.parametrize(
    "command",
    [
        ("registry", "list"),
        ("registry", "show", "x"),
        ("registry", "exception", "list"),
        ("registry", "audit", "verify"),
        ("registry", "audit", "export"),
    ],
)
def test_read_only_commands_never_create_a_registry(
    cli: object, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    run = cli  # type: ignore[assignment]
    where = tmp_path / "nonexistent" / "dir" / "reg.db"
    assert run(*command, "--registry", f"sqlite:///{where}") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: no registry at {where}") and "hint:" in err
    assert not where.parent.parent.exists()


def test_a_tampered_chain_exits_1_naming_the_entry(
    cli: object, workspace: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = cli  # type: ignore[assignment]
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    for model in workspace.models:
        assert run("registry", "add", str(model), "--registry", dsn, "--as", "a:requester") == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "reg.db") as conn:
        conn.execute("UPDATE audit_log SET payload = '{}' WHERE seq = 2")
    capsys.readouterr()
    assert run("registry", "audit", "verify", "--registry", dsn, "-f", "json") == 1
    data = _json(capsys)
    assert data["audit"]["first_bad_seq"] == 2  # type: ignore[index]
    assert [f["rule_id"] for f in data["findings"]] == ["registry.audit.edited"]  # type: ignore[union-attr]


def test_exceptions_and_usage_errors(
    cli: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = cli  # type: ignore[assignment]
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    args = ("--registry", dsn)
    assert (
        run(
            "registry",
            "exception",
            "add",
            "--rule",
            "license.denied",
            "--scope",
            "*",
            "--reason",
            "pilot",
            "--owner",
            "legal",
            "--expires",
            "2999-01-01",
            "--as",
            "root:admin",
            *args,
        )
        == 0
    )
    capsys.readouterr()
    assert run("registry", "exception", "list", "-f", "json", *args) == 0
    assert _json(capsys)["exceptions"][0]["rule_id"] == "license.denied"  # type: ignore[index]
    assert run("registry", "show", "nope", *args) == 2
    assert run("registry", "request", "nope", *args) == 2
    assert "--as NAME:ROLE" in capsys.readouterr().err
    assert run("registry", "list", "--registry", "mysql://x/y") == 2
    assert run("registry", "approve", "m", "--reason", "r", "--as", "bob:ceo", *args) == 2


def test_once_actors_are_enrolled_tokens_replace_as(
    cli: object, workspace: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = cli  # type: ignore[assignment]
    reg = ("--registry", f"sqlite:///{tmp_path / 'reg.db'}")
    assert run("registry", "actor", "add", "root", "--role", "admin", "-f", "json", *reg) == 0
    root = _json(capsys)["token"]
    assert (
        run(
            "registry",
            "actor",
            "add",
            "alice",
            "--role",
            "requester",
            "--token",
            root,
            "-f",
            "json",
            *reg,
        )
        == 0
    )
    alice = _json(capsys)["token"]
    # --as alone is no longer trusted.
    assert run("registry", "add", str(workspace.clean), "--as", "alice:requester", *reg) == 2
    assert "identifies actors by token" in capsys.readouterr().err
    assert run("registry", "add", str(workspace.clean), "--token", alice, "-f", "json", *reg) == 0
    assert _json(capsys)["models"][0]["name"] == workspace.clean.name  # type: ignore[index]
    assert (
        run("registry", "add", str(workspace.clean), "--token", alice, "--as", "x:admin", *reg) == 2
    )
    assert run("registry", "add", str(workspace.clean), "--token", "mst_bogus", *reg) == 2
