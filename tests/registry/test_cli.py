"""The ``registry`` commands end to end, on a real registry and real demo model files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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


def test_usage_errors(cli: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = cli  # type: ignore[assignment]
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    args = ("--registry", dsn)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("registry", "add", str(empty), "--as", "root:admin", *args) == 2  # no files
    capsys.readouterr()
    assert run("registry", "show", "nope", *args) == 2
    assert run("registry", "request", "nope", *args) == 2
    assert "--as NAME:ROLE" in capsys.readouterr().err
    assert run("registry", "list", "--registry", "mysql://x/y") == 2
    assert run("registry", "approve", "m", "--reason", "r", "--as", "bob:ceo", *args) == 2


def _outcome(capsys: pytest.CaptureFixture[str]) -> str:
    return str(_json(capsys)["passport"]["decision"]["outcome"])  # type: ignore[index]


def test_a_requesters_exception_never_turns_a_rejected_model_into_an_approved_one(
    cli: object,
    workspace: DemoWorkspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = cli  # type: ignore[assignment]
    monkeypatch.setenv("MODELSTEWARD_REGISTRY", f"sqlite:///{tmp_path / 'reg.db'}")
    trojan = str(workspace.trojan)
    name = workspace.trojan.name
    vet = ("vet", trojan, "--preset", "internal", "--no-progress", "-f", "json")
    assert run(*vet, "--record", "--as", "alice:requester") == 1
    out = capsys.readouterr()
    body = json.loads(out.out)
    assert body["passport"]["decision"]["outcome"] == "reject"
    assert body["recorded"] == [
        {
            "model_id": 1,
            "model": name,
            "passport_version": 1,
            "decision": "reject",
            "created": True,
            "request": None,
        }
    ]
    assert f"recorded {name} (model id 1): passport v1, decision reject" in out.err
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    ask = ("registry", "exception", "request", "--model", name, "--reason", "trust me")
    ask += ("--owner", "alice", "--expires", expires, "--as", "alice:requester", "-f", "json")
    assert run(*ask, "--rule", "license.denied", "--finding", "*") == 2
    assert "has no rule 'license.denied'" in capsys.readouterr().err
    far = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
    assert run(*ask[:-6], "--owner", "a", "--expires", far, "--as", "alice:requester",
               "--rule", "scan-severity", "--finding", "*") == 2  # fmt: skip
    assert "later than the policy allows" in capsys.readouterr().err
    assert run(*ask, "--rule", "scan-severity", "--finding", "*") == 0
    requested = _json(capsys)["exception"]
    assert requested["state"] == "requested" and requested["required_roles"] == ["security"]  # type: ignore[index]
    # Requested is not approved: the dry run and the record still reject.
    assert run(*vet) == 1 and _outcome(capsys) == "reject"
    assert run(*vet, "--record", "--as", "alice:requester") == 1 and _outcome(capsys) == "reject"
    # The requester cannot approve it in any role, nor can a role the policy does not name.
    approve = ("registry", "exception", "approve", "1", "--reason", "ok")
    assert run(*approve, "--as", "alice:security") == 2
    assert "cannot also review" in capsys.readouterr().err
    assert run(*approve, "--as", "bob:legal") == 2
    assert "the policy asks: security" in capsys.readouterr().err
    # An SQL edit of the exception approves nothing, and audit verify names the row.
    import sqlite3

    with sqlite3.connect(tmp_path / "reg.db") as conn:
        conn.execute("UPDATE policy_exceptions SET state = 'approved'")
    assert run(*vet) == 1 and _outcome(capsys) == "reject"
    assert run("registry", "check", trojan) == 1
    capsys.readouterr()
    assert run("registry", "audit", "verify", "-f", "json") == 1
    found = _json(capsys)["findings"]
    assert [(f["rule_id"], f["location"]["member"]) for f in found] == [  # type: ignore[union-attr,index]
        ("registry.state.drift", "policy_exceptions/1")
    ]
    assert run("registry", "exception", "list", "-f", "json") == 0
    [listed] = _json(capsys)["exceptions"]  # type: ignore[misc]
    assert listed["status"] == "approved" and listed["trusted"] is False
    with sqlite3.connect(tmp_path / "reg.db") as conn:
        conn.execute("UPDATE policy_exceptions SET state = 'requested'")
    assert run("registry", "exception", "revoke", "1", "--reason", "no", "--as", "alice:x") == 2
    capsys.readouterr()
    assert run("registry", "exception", "revoke", "1", "--reason", "withdrawn",
               "--as", "alice:requester") == 0  # fmt: skip
    capsys.readouterr()
    assert run("registry", "exception", "list", "-f", "json") == 0
    assert [e["status"] for e in _json(capsys)["exceptions"]] == ["revoked"]  # type: ignore[union-attr,index]


def test_the_dry_run_predicts_the_recorded_decision_with_an_approved_exception(
    cli: object,
    workspace: DemoWorkspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = cli  # type: ignore[assignment]
    monkeypatch.setenv("MODELSTEWARD_REGISTRY", f"sqlite:///{tmp_path / 'reg.db'}")
    trojan = str(workspace.trojan)
    vet = ("vet", trojan, "--preset", "internal", "--no-progress", "-f", "json")
    assert run(*vet, "--record", "--as", "ci:requester") == 1
    capsys.readouterr()
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    assert run("registry", "exception", "request", "--rule", "scan-severity", "--model",
               workspace.trojan.name, "--finding", "scan.pickle.unsafe-global", "--path",
               "pytorch_model.bin", "--reason", "loaded only in a sandbox", "--owner", "sec",
               "--expires", expires, "--as", "alice:requester") == 0  # fmt: skip
    assert run("registry", "exception", "approve", "1", "--reason", "sandboxed",
               "--as", "carol:security") == 0  # fmt: skip
    capsys.readouterr()
    assert run(*vet) in (0, 1)
    dry = _json(capsys)["passport"]["decision"]  # type: ignore[index]
    assert run(*vet, "--record", "--as", "ci:requester") in (0, 1)
    out = capsys.readouterr()
    recorded = json.loads(out.out)
    assert recorded["passport"]["decision"]["outcome"] == dry["outcome"] != "reject"  # type: ignore[index]
    assert [w["rule"] for w in dry["waived"]] == ["scan-severity"]  # type: ignore[index]
    assert recorded["passport"]["decision"]["waived"] == dry["waived"]
    [item] = recorded["recorded"]
    assert item["passport_version"] == 2 and item["decision"] == dry["outcome"]  # type: ignore[index]
    if dry["outcome"] == "needs_review":  # type: ignore[index]
        assert item["request"]["missing_roles"] == dry["roles"]  # type: ignore[index]
        assert "waits for" in out.err


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


def _gateway(path: Path, model: Path, *, exposure: str, safety: str) -> Path:
    path.write_text(
        "models:\n"
        "  - name: support\n"
        "    engine: openai\n"
        "    urls: [http://127.0.0.1:9/v1]\n"
        f"    path: {model.resolve()}\n"
        f"    exposure: {exposure}\n"
        f"    safety: '{safety}'\n",
        encoding="utf-8",
    )
    return path


def test_a_customer_facing_deployment_without_the_enforced_layer_is_refused(
    cli: object,
    workspace: DemoWorkspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = cli  # type: ignore[assignment]
    monkeypatch.setenv("MODELSTEWARD_REGISTRY", f"sqlite:///{tmp_path / 'reg.db'}")
    clean = workspace.clean
    vet = ("vet", str(clean), "--preset", "commercial-saas", "--no-progress", "-f", "json")

    def decided(*extra: str) -> dict[str, object]:
        run(*vet, *extra)
        passport = _json(capsys)["passport"]
        assert isinstance(passport, dict)
        return passport

    # No facts: the safety layer is not assumed.
    bare = decided()
    assert bare["decision"]["outcome"] == "reject"  # type: ignore[index]
    assert bare["safety"]["configured"] is False  # type: ignore[index]
    off = _gateway(tmp_path / "off.yaml", clean, exposure="internal", safety="off")
    served_off = decided("--gateway-config", str(off))
    [cov] = served_off["safety"]["coverage"]  # type: ignore[index]
    assert cov["deployment"] == "support" and cov["gateway_config"] == str(off)
    assert (cov["safety_profile"], cov["enforced"]) == ("off", False)
    reasons = served_off["decision"]["reasons"]  # type: ignore[index]
    assert ("safety-layer", "off") in {(r["rule"], r["evidence"]) for r in reasons}
    assert served_off["decision"]["outcome"] == "reject"  # type: ignore[index]
    full = _gateway(tmp_path / "full.yaml", clean, exposure="customer_facing", safety="default")
    served = decided("--gateway-config", str(full))
    assert served["safety"]["configured"] is True  # type: ignore[index]
    assert served["safety"]["coverage"][0]["safety_policy"] == "modelsteward-default"  # type: ignore[index]
    assert served["decision"]["outcome"] == "needs_review"  # type: ignore[index]
    assert "safety.layer.missing" not in {r["finding"] for r in served["decision"]["reasons"]}  # type: ignore[index]


def test_deployment_records_state_how_the_gateway_serves_the_model(
    cli: object,
    workspace: DemoWorkspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = cli  # type: ignore[assignment]
    monkeypatch.setenv("MODELSTEWARD_REGISTRY", f"sqlite:///{tmp_path / 'reg.db'}")
    clean = workspace.clean
    vet = ("vet", str(clean), "--preset", "internal", "--no-progress", "-f", "json")
    assert run(*vet, "--record", "--as", "ci:requester") in (0, 1)
    capsys.readouterr()
    from modelsteward.registry import open_registry

    reg = open_registry(f"sqlite:///{tmp_path / 'reg.db'}")
    try:
        name = clean.name
        if reg.find(name).status.value != "approved":
            detail = reg.show(name)
            for role in detail.requests[-1].missing_roles:
                reg.approve(name, role, f"{role.value}-reviewer", "ok")
        assert reg.find(name).status.value == "approved"
    finally:
        reg.close()
    exposed = _gateway(tmp_path / "gw.yaml", clean, exposure="internal", safety="off")
    deploy = ("registry", "deploy", clean.name, "--target", "chat", "--engine", "vllm")
    assert run(*deploy, "--gateway-config", str(exposed), "--as", "ops:admin", "-f", "json") == 0
    safety = _json(capsys)["deployment"]["safety"]  # type: ignore[index]
    assert safety["gateway_model"] == "support" and safety["safety_profile"] == "off"  # type: ignore[index]
    assert safety["config_sha256"] and safety["exposure"] == "internal"  # type: ignore[index]
    # A later vet for a customer-facing use reads the deployment's facts from the registry.
    facing = ("vet", str(clean), "--preset", "commercial-saas", "--no-progress", "-f", "json")
    assert run(*facing) == 1
    passport = _json(capsys)["passport"]
    [cov] = passport["safety"]["coverage"]  # type: ignore[index]
    assert (cov["source"], cov["deployment"], cov["enforced"]) == ("registry", "chat", False)
    assert passport["decision"]["outcome"] == "reject"  # type: ignore[index]
    assert run(*deploy, "--gateway-model", "nope", "--gateway-config", str(exposed),
               "--as", "ops:admin") == 2  # fmt: skip
    assert "has no model 'nope'" in capsys.readouterr().err
