"""Re-vetting on change: a new advisory snapshot re-judges only the models whose deployments
it touches and starts their SLA clocks; a new policy revision re-judges every passport."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from modelsteward.cli import main
from modelsteward.policy import default_policy, parse_policy
from modelsteward.policy.model import default_policy_text
from modelsteward.registry import RegistryService, open_registry
from modelsteward.services.fleet import batch
from modelsteward.services.revet import plan_revet, run_revet
from modelsteward.services.versions import KINDS, current_versions
from modelsteward.vulns import build_index
from tests.fleet.models import clean_model

pytest.importorskip("safetensors")


def _advisory(ident: str, package: str, fixed: str, modified: str) -> dict[str, object]:
    return {
        "id": ident,
        "modified": modified,
        "published": modified,
        "summary": f"A flaw in {package}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
        "database_specific": {"severity": "HIGH"},
    }


def _snapshot(root: Path, db: Path, advisories: list[dict[str, object]]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for adv in advisories:
        (root / f"{adv['id']}.json").write_text(json.dumps(adv), encoding="utf-8")
    build_index(root, db)


def _approve_and_deploy(service: RegistryService, name: str, runtime: list[dict[str, str]]) -> None:
    model = service.find(name)
    detail = service.show(model.id)
    if model.status.value != "approved":
        for role in detail.requests[-1].missing_roles:
            service.approve(name, role, f"reviewer-{role.value}", "ok")
    service.deploy(name, f"gw-{name}", "vllm", runtime, "ops")


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, Path, list[str]]:
    """Two recorded, approved and deployed models; an advisory snapshot touching neither."""
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    db = tmp_path / "osv"
    _snapshot(tmp_path / "snap1", db, [_advisory("PYSEC-0001", "unrelated", "9.9", "2026-10-01")])
    models = [str(clean_model(tmp_path / n, seed=i)) for i, n in enumerate(("alpha", "beta"))]
    spec = {
        "registry": dsn,
        "actor": "ci",
        "hash": True,
        "db": str(db),
        "versions": current_versions(default_policy(), db),
    }
    assert {r.state for r in batch(models, spec, workers=2).results} == {"recorded"}
    service = open_registry(dsn)
    try:
        _approve_and_deploy(service, "alpha", [{"name": "vllm", "version": "0.8.4"}])
        _approve_and_deploy(service, "beta", [{"name": "fastapi", "version": "0.110.0"}])
    finally:
        service.close()
    return dsn, db, models


def test_nothing_is_stale_right_after_vetting(world: tuple[str, Path, list[str]]) -> None:
    dsn, db, _ = world
    service = open_registry(dsn)
    try:
        plan = plan_revet(service, default_policy(), db, KINDS)
    finally:
        service.close()
    assert plan.checked == 2
    assert plan.items == ()


def test_a_new_advisory_rejudges_only_the_affected_model(
    world: tuple[str, Path, list[str]], tmp_path: Path
) -> None:
    dsn, db, _ = world
    _snapshot(
        tmp_path / "snap1",
        db,
        [_advisory("GHSA-aaaa-bbbb-cccc", "vllm", "0.8.5", "2026-11-20")],
    )
    service = open_registry(dsn)
    try:
        plan = plan_revet(service, default_policy(), db, KINDS)
        assert [(i.model, i.reasons) for i in plan.items] == [("alpha", ("advisories",))]
        assert plan.items[0].new_advisories == {"gw-alpha": ("GHSA-aaaa-bbbb-cccc",)}
        # --since after the advisory changed: nothing new.
        later = plan_revet(service, default_policy(), db, ("advisories",), since=_day("2026-12-01"))
        assert later.items == ()
        run = run_revet(plan, dsn=dsn, actor="ci", policy_path=None, workers=1, registry=service)
        assert [(Path(r.target).name, r.state) for r in run.results] == [("alpha", "recorded")]
        clocks = [e for e in service.sla_state().entries() if e.deployment == "gw-alpha"]
        assert [e.vuln_id for e in clocks] == ["GHSA-aaaa-bbbb-cccc"]
        assert len(service.show("alpha").passports) == 2
        assert len(service.show("beta").passports) == 1
        # Once re-judged, nothing is stale any more.
        assert plan_revet(service, default_policy(), db, KINDS).items == ()
    finally:
        service.close()


def _day(text: str) -> date:
    return date.fromisoformat(text)


def test_a_new_policy_revision_rejudges_every_passport(
    world: tuple[str, Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn, db, _ = world
    policy = tmp_path / "policy.yaml"
    policy.write_text(default_policy_text().replace('revision: "', 'revision: "next-'))
    parse_policy(policy.read_text())  # still a valid policy
    args = ["revet", "--policy", str(policy), "--db", str(db), "--registry", dsn, "-f", "json"]
    assert main.run(args) == 0
    planned = json.loads(capsys.readouterr().out)["revet"]
    assert sorted((i["model"], tuple(i["reasons"])) for i in planned["items"]) == [
        ("alpha", ("policy",)),
        ("beta", ("policy",)),
    ]
    assert main.run([*args, "--record", "--as", "ci:requester", "--reason", "policy"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fleet"]["counts"]["recorded"] == 2
    assert main.run(args) == 0
    assert json.loads(capsys.readouterr().out)["revet"]["items"] == []
    assert main.run(["revet", "--reason", "weather", "--registry", dsn]) == 2
    assert "unknown --reason weather" in capsys.readouterr().err
