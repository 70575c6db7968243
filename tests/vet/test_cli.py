"""``modelsteward vet`` and ``modelsteward policy`` through the real CLI: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.demo import DemoWorkspace, build_workspace
from modelsteward.policy import default_policy_text
from modelsteward.vet import scan_available

needs_scan = pytest.mark.skipif(not scan_available(), reason="the scanner is not in this build")
WARN_POLICY = "version: 1\nmode: warn\nrules:\n  - {id: scan, kind: scan.severity}\n"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    return build_workspace(tmp_path_factory.mktemp("cli"))


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict[str, object]]:
    code = run(["--no-progress", "--format", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_one_path_gives_a_passport_object(
    ws: DemoWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = _json(capsys, ["vet", str(ws.clean)])
    passport = doc["passport"]
    assert isinstance(passport, dict)
    assert doc["passports"] == [passport]
    assert passport["identity"]["name"] == "tiny-llama"  # type: ignore[index]
    assert passport["decision"]["outcome"] in {"approve", "needs_review"}  # type: ignore[index]
    assert code == 0
    assert doc["policy"]["name"] == "modelsteward-default"  # type: ignore[index]


def test_several_paths_give_a_passports_list(
    ws: DemoWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    _, doc = _json(capsys, ["vet", str(ws.clean), str(ws.finetune)])
    assert "passport" not in doc
    assert [p["identity"]["name"] for p in doc["passports"]] == [  # type: ignore[attr-defined]
        "tiny-llama",
        "support-bot-lora",
    ]


@needs_scan
def test_a_rejected_model_exits_1(ws: DemoWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, ["vet", str(ws.trojan)])
    assert code == 1
    reasons = doc["passport"]["decision"]["reasons"]  # type: ignore[index]
    assert "scan.pickle.unsafe-global" in {r["finding"] for r in reasons}


@needs_scan
def test_warn_mode_does_not_gate_unless_fail_on_is_given(
    ws: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "warn.yaml"
    policy.write_text(WARN_POLICY, encoding="utf-8")
    argv = ["vet", str(ws.trojan), "--policy", str(policy)]
    code, doc = _json(capsys, argv)
    assert code == 0
    assert doc["passport"]["decision"]["warnings"]  # type: ignore[index]
    assert _json(capsys, [*argv, "--fail-on", "critical"])[0] == 1


def test_an_empty_policy_denies(
    ws: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "empty.yaml"
    policy.write_text("version: 1\nrules: []\n", encoding="utf-8")
    code, doc = _json(capsys, ["vet", str(ws.clean), "--policy", str(policy)])
    assert code == 1
    assert doc["passport"]["decision"]["reasons"][0]["rule"] == "policy.empty"  # type: ignore[index]


@pytest.mark.parametrize("text", ["", "version: 1\nrules: nope\n", "version: [\n"])
def test_an_invalid_policy_is_an_error_with_a_hint(
    ws: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text(text, encoding="utf-8")
    assert run(["vet", str(ws.clean), "--policy", str(policy)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "\nhint: " in err


def test_usage_errors_exit_2(ws: DemoWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["vet", str(ws.root / "missing")]) == 2
    assert run(["vet", str(ws.clean), "--use", "u.yaml", "--preset", "internal"]) == 2
    assert run(["vet", str(ws.clean), "--record", "--as", "nobody"]) == 2
    assert run(["vet", str(ws.clean), "--record", "--no-hash", "--as", "a:requester"]) == 2


def test_markdown_and_sarif_outputs(ws: DemoWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    run(["--no-progress", "vet", str(ws.clean), "--format", "markdown"])
    assert capsys.readouterr().out.startswith("# Model passport: tiny-llama\n")
    run(["--no-progress", "vet", str(ws.clean), str(ws.trojan), "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    rule_ids = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "policy.decision.needs-review" in rule_ids or "policy.decision.reject" in rule_ids


def test_table_output_shows_decisions(
    ws: DemoWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["--no-progress", "vet", str(ws.clean), str(ws.finetune)])
    out = capsys.readouterr().out
    assert "vet: decisions" in out and "support-bot-lora" in out


def test_record_stores_passports_and_keeps_the_chain(
    ws: DemoWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelsteward.registry import ApprovalError, open_registry

    dsn = f"sqlite:///{tmp_path / 'registry.db'}"
    argv = ["vet", str(ws.clean), str(ws.trojan), str(ws.finetune), "--record"]
    _, doc = _json(capsys, [*argv, "--registry", dsn, "--as", "ana:requester"])
    expected = {p["identity"]["name"]: p["decision"]["outcome"] for p in doc["passports"]}  # type: ignore[attr-defined]
    registry = open_registry(dsn)
    try:
        status = {m.name: m.status.value for m in registry.list_models()}
        assert set(status) == set(expected)
        for name, outcome in expected.items():
            want = {"approve": "approved", "reject": "rejected"}.get(outcome, "needs_review")
            assert status[name] == want
        waiting = [n for n, s in status.items() if s == "needs_review"]
        for name in waiting:  # the requester may not sign their own request
            with pytest.raises(ApprovalError):
                registry.approve(name, "legal", "ana", "looks fine")
        verification = registry.audit_verify()
        assert verification.ok and verification.count >= 6
    finally:
        registry.close()


def test_policy_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "policy.yaml"
    good.write_text(default_policy_text(), encoding="utf-8")
    code, doc = _json(capsys, ["policy", "check", str(good)])
    assert code == 0
    assert doc["policies"][0]["name"] == "modelsteward-default"  # type: ignore[index]
    empty = tmp_path / "empty.yaml"
    empty.write_text("version: 1\nrules: []\n", encoding="utf-8")
    code, doc = _json(capsys, ["policy", "check", str(empty)])
    assert code == 1
    assert [f["rule_id"] for f in doc["findings"]] == ["policy.empty"]  # type: ignore[index]
    expired = tmp_path / "expired.yaml"
    expired.write_text(
        "version: 1\nrules:\n  - {id: s, kind: scan.severity}\nexceptions:\n"
        "  - {rule: s, scope: {model: x}, reason: r, owner: o, expires: 2020-01-01}\n",
        encoding="utf-8",
    )
    code, doc = _json(capsys, ["policy", "check", str(expired)])
    assert code == 0
    assert [f["rule_id"] for f in doc["findings"]] == ["policy.exception.expired"]  # type: ignore[index]
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules:\n  - {id: s, kind: nope}\n", encoding="utf-8")
    assert run(["policy", "check", str(bad)]) == 2
    assert "hint:" in capsys.readouterr().err


def test_policy_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "tests"
    suite.mkdir()
    case = (
        "cases:\n  - name: unknown license waits for legal\n"
        "    passport: {identity: {name: x}, checks: {scan: {state: ok}, vulns: {state: ok}, "
        "license: {state: ok}}}\n"
        "    expect: {outcome: %s, roles: [legal]}\n"
    )
    (suite / "basic_test.yaml").write_text(case % "needs_review", encoding="utf-8")
    code, doc = _json(capsys, ["policy", "test", str(suite)])
    assert code == 0, doc
    assert doc["tests"][0]["passed"] is True  # type: ignore[index]
    (suite / "wrong_test.yaml").write_text(case % "approve", encoding="utf-8")
    code, doc = _json(capsys, ["policy", "test", str(suite)])
    assert code == 1
    assert [f["rule_id"] for f in doc["findings"]] == ["policy.test.failed"]  # type: ignore[index]
