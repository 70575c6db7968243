"""The ``vulns``, ``db``, ``sla`` and ``bom`` commands end to end, and the demo section."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from rich.console import Console

from modelsteward.cli.demo_context import DemoContext
from modelsteward.cli.main import run
from modelsteward.cli.state import CliState
from modelsteward.cli.vulns_demo import _patch_section
from modelsteward.config import load_settings
from modelsteward.demo import build_workspace
from modelsteward.vulns.sample import write_sample_records

CRIT = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("MODELSTEWARD_DATA_DIR", str(data))
    monkeypatch.delenv("MODELSTEWARD_ADVISORY_DB", raising=False)
    return data


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    req = tmp_path / "requirements.txt"
    req.write_text("vllm==0.8.4\ntorch==2.3.0+cu121\nrequests>=2\n", encoding="utf-8")
    return req


@pytest.fixture
def with_db(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    records = write_sample_records(tmp_path / "records")
    assert run(["db", "update", "--from", str(records)]) == 0
    capsys.readouterr()
    return data_dir


def test_vulns_without_database_exits_2_with_hint(
    data_dir: Path, stack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["vulns", str(stack)]) == 2
    err = capsys.readouterr().err
    assert "error: no advisory database" in err
    assert "modelsteward db update" in err


def test_vulns_without_inventory_is_a_usage_error(
    with_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["vulns"]) == 2
    assert "no inventory given" in capsys.readouterr().err


def test_db_status_json(with_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["db", "status", "--format", "json"]) == 0
    database = json.loads(capsys.readouterr().out)["database"]
    assert database["records"] == 5
    assert database["ecosystems"] == ["PyPI"]


def test_vulns_json_contract_and_exit_code(
    with_db: Path, stack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["vulns", str(stack), "--format", "json", "--today", "2026-01-01"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert {"tool", "findings", "errors", "skipped", "packages", "vulnerabilities"} <= set(body)
    assert [p["name"] for p in body["packages"]] == ["vllm", "torch"]
    by_id = {v["id"]: v for v in body["vulnerabilities"]}
    assert by_id["PYSEC-2025-42"] == {
        "id": "PYSEC-2025-42",
        "aliases": ["CVE-2025-32444", "GHSA-hj4w-hm2g-p6w5"],
        "package": "vllm",
        "version": "0.8.4",
        "fixed_in": ["0.8.5"],
        "severity": "critical",
        "summary": by_id["PYSEC-2025-42"]["summary"],
        "sla_due": "2026-01-16",
    }
    assert {f["rule_id"] for f in body["findings"]} == {"vuln.osv.affected"}
    assert "requests" in body["skipped"][0]["reason"]


def test_vulns_sarif_output(with_db: Path, stack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["vulns", str(stack), "--format", "sarif", "--fail-on", "critical"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "vuln.osv.affected" in rules


def test_sla_clock_overdue_then_accepted(
    with_db: Path, stack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["vulns", str(stack), "--deployment", "prod", "--today", "2026-01-01"]
    assert run([*argv, "--fail-on", "critical"]) == 1
    capsys.readouterr()
    assert run(["sla", "status", "--today", "2026-01-10"]) == 0
    capsys.readouterr()
    assert run(["sla", "status", "--today", "2026-02-01", "--format", "json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert {item["status"] for item in body["sla"]} == {"overdue"}
    assert "vuln.sla.overdue" in {f["rule_id"] for f in body["findings"]}
    for vuln in ("PYSEC-2025-42", "PYSEC-2024-259"):
        accept = [
            "sla",
            "accept",
            vuln,
            "--deployment",
            "prod",
            "--owner",
            "alice",
            "--expires",
            "2026-06-30",
            "--reason",
            "not exposed",
            "--today",
            "2026-02-01",
        ]
        assert run(accept) == 0
    capsys.readouterr()
    assert run(["sla", "status", "--today", "2026-02-01", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert {item["status"] for item in body["sla"]} == {"accepted"}
    assert (
        run(
            [
                "sla",
                "accept",
                "NOPE-1",
                "--deployment",
                "prod",
                "--owner",
                "a",
                "--expires",
                "2026-06-30",
                "--today",
                "2026-02-01",
            ]
        )
        == 2
    )
    past = ["sla", "accept", "PYSEC-2025-42", "--deployment", "prod", "--owner", "a"]
    capsys.readouterr()
    assert run([*past, "--expires", "2020-02-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the exception would expire on 2020-02-01") and "hint:" in err


def test_bom_command_writes_valid_cyclonedx(
    with_db: Path, stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = build_workspace(tmp_path / "ws")
    assert run(["bom", str(ws.clean), "-i", str(stack)]) == 0
    text = capsys.readouterr().out
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    body = json.loads(text)
    assert body["metadata"]["component"]["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert len(body["vulnerabilities"]) == 2
    out = tmp_path / "boms"
    assert run(["bom", str(ws.clean), str(ws.finetune), "--out-dir", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "support-bot-lora.cdx.json",
        "tiny-llama.cdx.json",
    ]
    lora = json.loads((out / "support-bot-lora.cdx.json").read_text())
    ancestors = lora["metadata"]["component"]["pedigree"]["ancestors"]
    assert ancestors[0]["name"] == "meta-llama/Meta-Llama-3-8B-Instruct"


def test_bom_json_carries_the_bom_and_format_hints_list_every_choice(
    with_db: Path, stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = build_workspace(tmp_path / "ws")
    capsys.readouterr()
    assert run(["bom", str(ws.clean), "-i", str(stack), "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["bom"]["bomFormat"] == "CycloneDX" and len(body["bom"]["vulnerabilities"]) == 2
    assert body["findings"] == []
    assert run(["bom", str(ws.clean), "--format", "markdown"]) == 2
    err = capsys.readouterr().err
    assert "hint: use --format table, json, sarif or cyclonedx" in err


def test_demo_section_runs_and_writes_the_bom(data_dir: Path, tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws")
    buffer = io.StringIO()
    console = Console(file=buffer, width=160)
    ctx = DemoContext(workspace=ws, console=console, state=CliState(settings=load_settings()))
    _patch_section(ctx)
    out = buffer.getvalue()
    assert "vllm 0.8.4" in out
    assert "AI-BOM (CycloneDX 1.6)" in out
    bom = (ws.root / "tiny-llama.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(bom) is None


def test_sla_clocks_live_in_the_registry_by_default(
    with_db: Path, stack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelsteward.registry import open_registry

    argv = ["vulns", str(stack), "--deployment", "prod", "--today", "2026-01-01"]
    assert run([*argv, "--fail-on", "critical"]) == 1
    capsys.readouterr()
    service = open_registry(f"sqlite:///{with_db / 'registry.db'}")
    try:
        items = service.open_items()
    finally:
        service.close()
    assert {e.vuln_id for e in items} >= {"PYSEC-2025-42", "PYSEC-2024-259"}
    assert not (with_db / "sla-state.json").exists()


def test_state_file_is_used_when_given(
    with_db: Path, stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = tmp_path / "clocks.json"
    argv = ["vulns", str(stack), "--today", "2026-01-01", "--deployment", "prod"]
    argv += ["--state", str(state_file)]
    assert run([*argv, "--fail-on", "critical"]) == 1
    assert "PYSEC-2025-42" in state_file.read_text()
    assert not (with_db / "registry.db").exists()
