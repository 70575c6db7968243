"""Vetting real model directories built by code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from modelsteward.demo import DemoWorkspace, build_workspace
from modelsteward.findings import Severity
from modelsteward.inventory import sha256_file
from modelsteward.passport import CheckName, CheckState, passport_from_dict
from modelsteward.policy import Outcome, Role, default_policy, evaluate
from modelsteward.vet import VetOptions, count_units, scan_available, vet_paths, walk_models
from modelsteward.vet import checks as vet_checks

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
needs_scan = pytest.mark.skipif(not scan_available(), reason="the scanner is not in this build")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    return build_workspace(tmp_path_factory.mktemp("vet"))


def test_passport_identity_is_the_file_manifest(ws: DemoWorkspace) -> None:
    (passport,) = vet_paths([ws.clean], VetOptions(now=NOW)).passports
    assert passport.identity.name == "tiny-llama"
    assert passport.vetted_at == "2026-11-27T12:00:00Z"
    files = {f.path: f for f in passport.identity.files}
    assert set(files) == {p.name for p in ws.clean.iterdir()}
    for name, entry in files.items():
        assert entry.sha256 == sha256_file(ws.clean / name)
    assert files["tiny-llama.gguf"].kind == "gguf"
    assert passport.manifest["model.safetensors"] == files["model.safetensors"].sha256


def test_passports_follow_the_order_of_the_paths_and_report_progress(ws: DemoWorkspace) -> None:
    ticks: list[int] = []
    paths = [ws.finetune, ws.clean, ws.trojan]
    run = vet_paths(paths, VetOptions(now=NOW), progress=ticks.append)
    assert [p.identity.source for p in run.passports] == [str(p) for p in paths]
    assert sum(ticks) == count_units(walk_models(paths))


@needs_scan
def test_trojan_is_rejected_for_its_pickle_global(ws: DemoWorkspace) -> None:
    (passport,) = vet_paths([ws.trojan], VetOptions(now=NOW)).passports
    assert passport.check(CheckName.SCAN).state is CheckState.OK
    decision = evaluate(default_policy(), passport)
    assert decision.outcome is Outcome.REJECT
    scan_reasons = [r for r in decision.reasons if r.rule == "scan-severity"]
    assert {r.finding for r in scan_reasons} >= {"scan.pickle.unsafe-global"}
    reason = next(r for r in scan_reasons if r.finding == "scan.pickle.unsafe-global")
    assert reason.location.path == f"{ws.trojan}/pytorch_model.bin"
    assert reason.location.member == "archive/data.pkl"
    assert "posix.system" in reason.evidence


def test_a_missing_check_is_recorded_never_faked(
    ws: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vet_checks, "_attr", lambda module, name: None)
    (passport,) = vet_paths([ws.clean], VetOptions(now=NOW)).passports
    assert passport.license is None
    for name in (CheckName.LICENSE, CheckName.SCAN):
        assert passport.check(name).state is CheckState.UNAVAILABLE
    messages = [e.message for e in passport.report.errors]
    assert any(m.startswith("license check unavailable") for m in messages)
    assert any(m.startswith("scan check unavailable") for m in messages)
    assert not passport.report.findings
    decision = evaluate(default_policy(), passport)
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert set(decision.roles) == {Role.LEGAL, Role.SECURITY}


def test_a_crashing_check_is_recorded_as_failed(
    ws: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(path: Path, use: Any, *, offline: bool) -> None:
        raise RuntimeError("index corrupt")

    real = vet_checks._attr
    monkeypatch.setattr(
        vet_checks,
        "_attr",
        lambda module, name: boom if name == "check_license" else real(module, name),
    )
    (passport,) = vet_paths([ws.clean], VetOptions(now=NOW)).passports
    status = passport.check(CheckName.LICENSE)
    assert status.state is CheckState.FAILED
    assert "RuntimeError: index corrupt" in status.detail


def test_custom_code_and_auto_map_need_security_review(tmp_path: Path) -> None:
    model = tmp_path / "remote-code"
    model.mkdir()
    config = {"model_type": "x", "auto_map": {"AutoModel": "modeling_x.XModel"}}
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (model / "modeling_x.py").write_text("import torch\n", encoding="utf-8")
    (passport,) = vet_paths([model], VetOptions(now=NOW)).passports
    assert passport.code.trust_remote_code
    assert passport.code.custom_code == ("modeling_x.py",)
    decision = evaluate(default_policy(), passport)
    security = [r for r in decision.reasons if r.rule == "review-security"]
    assert {r.finding for r in security} == {"code.unverified", "code.trust_remote_code"}
    assert Role.SECURITY in decision.roles


def test_an_empty_model_directory_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (passport,) = vet_paths([tmp_path / "empty"], VetOptions(now=NOW)).passports
    assert passport.check(CheckName.SCAN).state is CheckState.FAILED
    assert evaluate(default_policy(), passport).outcome is not Outcome.APPROVE


def test_vulnerabilities_of_the_serving_inventory(ws: DemoWorkspace, tmp_path: Path) -> None:
    from modelsteward.vulns import build_index

    records = tmp_path / "osv"
    records.mkdir()
    record = {
        "id": "PYSEC-2026-1",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "remote code execution",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "servekit"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}
                ],
            }
        ],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    }
    (records / "PYSEC-2026-1.json").write_text(json.dumps(record), encoding="utf-8")
    build_index(records, tmp_path / "db")
    inventory = tmp_path / "requirements.txt"
    inventory.write_text("servekit==1.0\n", encoding="utf-8")
    options = VetOptions(now=NOW, inventory=inventory, advisory_db=tmp_path / "db")
    run = vet_paths([ws.clean, ws.finetune], options)
    for passport in run.passports:
        assert passport.vulns is not None
        (vuln,) = passport.vulns.vulnerabilities
        assert (vuln.id, vuln.package, vuln.severity) == (
            "PYSEC-2026-1",
            "servekit",
            Severity.CRITICAL,
        )
        reasons = evaluate(default_policy(), passport).reasons
        assert any(r.rule == "vulns-critical" and r.evidence == "PYSEC-2026-1" for r in reasons)
    assert run.vulns_sections["vulnerabilities"]
    shared = [f for f in run.report.findings if f.rule_id.startswith("vuln.")]
    assert len(shared) == 1  # the serving inventory is reported once, not once per model


def test_no_inventory_means_vulnerabilities_were_not_requested(ws: DemoWorkspace) -> None:
    (passport,) = vet_paths([ws.clean], VetOptions(now=NOW)).passports
    assert passport.vulns is None
    assert passport.check(CheckName.VULNS).state is CheckState.NOT_REQUESTED


def test_a_missing_advisory_database_is_a_failed_check(ws: DemoWorkspace, tmp_path: Path) -> None:
    inventory = tmp_path / "requirements.txt"
    inventory.write_text("servekit==1.0\n", encoding="utf-8")
    options = VetOptions(now=NOW, inventory=inventory, advisory_db=tmp_path / "nowhere")
    (passport,) = vet_paths([ws.clean], options).passports
    assert passport.check(CheckName.VULNS).state is CheckState.FAILED
    assert any(r.finding == "check.vulns" for r in evaluate(default_policy(), passport).reasons)


def test_passport_json_round_trips(ws: DemoWorkspace) -> None:
    (passport,) = vet_paths([ws.trojan], VetOptions(now=NOW)).passports
    data = json.loads(json.dumps(passport.to_dict()))
    assert passport_from_dict(data).to_dict() == data


def _coverage(profile: str, exposure: str = "customer_facing") -> object:
    from modelsteward.passport import SafetyCoverage

    return SafetyCoverage(
        deployment="support-chat",
        source="gateway-config",
        gateway_config="gateway.yaml",
        safety_profile=profile,
        safety_policy="modelsteward-default",
        exposure=exposure,
    )


@pytest.mark.parametrize(
    ("profiles", "outcome", "evidence"),
    [
        ((), Outcome.REJECT, "customer_facing"),  # nobody says how it is served
        (("default",), Outcome.NEEDS_REVIEW, None),
        (("input",), Outcome.REJECT, "input"),
        (("default", "off"), Outcome.REJECT, "off"),
    ],
)
def test_customer_facing_use_needs_the_safety_layer_the_facts_show(
    ws: DemoWorkspace, profiles: tuple[str, ...], outcome: Outcome, evidence: str | None
) -> None:
    from modelsteward.licenses import PRESETS
    from modelsteward.passport import with_coverage

    options = VetOptions(now=NOW, use=PRESETS["commercial-saas"])
    (vetted,) = vet_paths([ws.clean], options).passports
    # An importable safety module is not a safety layer in front of anybody.
    assert vetted.safety.required and not vetted.safety.configured
    assert vetted.check(CheckName.SAFETY).state is CheckState.NOT_REQUESTED
    passport = with_coverage(vetted, [_coverage(p) for p in profiles])  # type: ignore[misc]
    assert passport.safety.configured is (outcome is not Outcome.REJECT)
    decision = evaluate(default_policy(), passport)
    assert decision.outcome is outcome
    missing = [r for r in decision.reasons if r.finding == "safety.layer.missing"]
    if evidence is None:
        assert not missing and Role.SAFETY in decision.roles
        assert passport.check(CheckName.SAFETY).state is CheckState.OK
    else:
        assert [r.rule for r in missing] == ["safety-layer"]
        assert missing[0].evidence == evidence
    data = passport.to_dict()["safety"]
    assert [c["enforced"] for c in data["coverage"]] == [p == "default" for p in profiles]  # type: ignore[index]
    assert passport_from_dict(json.loads(json.dumps(passport.to_dict()))) == passport


def test_a_customer_facing_deployment_needs_the_layer_even_for_an_internal_use(
    ws: DemoWorkspace,
) -> None:
    from modelsteward.licenses import PRESETS
    from modelsteward.passport import with_coverage

    (vetted,) = vet_paths([ws.clean], VetOptions(now=NOW, use=PRESETS["internal"])).passports
    assert not vetted.safety.required
    exposed = with_coverage(vetted, [_coverage("off")])  # type: ignore[list-item]
    assert exposed.safety.required and not exposed.safety.configured
    decision = evaluate(default_policy(), exposed)
    assert decision.outcome is Outcome.REJECT
    assert "safety.layer.missing" in {r.finding for r in decision.reasons}
    internal = with_coverage(vetted, [_coverage("off", exposure="internal")])  # type: ignore[list-item]
    assert "safety.layer.missing" not in {
        r.finding for r in evaluate(default_policy(), internal).reasons
    }


def test_passport_carries_the_serving_stack_licenses(ws: DemoWorkspace, tmp_path: Path) -> None:
    from modelsteward.licenses import PRESETS

    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    for name, header in (
        ("servekit", "License-Expression: AGPL-3.0-only"),
        ("fastjson", "License-Expression: MIT"),
    ):
        info = site / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        meta = f"Metadata-Version: 2.4\nName: {name}\nVersion: 1.0\n{header}\n"
        (info / "METADATA").write_text(meta, encoding="utf-8")
    options = VetOptions(
        now=NOW,
        inventory=tmp_path / "venv",
        advisory_db=tmp_path / "no-db",
        use=PRESETS["commercial-saas"],
    )
    (passport,) = vet_paths([ws.clean], options).passports
    assert passport.stack is not None
    packages = {p.name: p for p in passport.stack.packages}
    assert packages["servekit"].license == "AGPL-3.0-only"
    assert packages["servekit"].flags == ("license.stack.network-copyleft",)
    assert packages["fastjson"].flags == ()
    stack = passport.to_dict()["stack"]
    assert isinstance(stack, dict) and stack["inventory"] == str(tmp_path / "venv")
