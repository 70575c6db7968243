"""Bulk vetting: discovery, lists, a process pool and a real local Ray cluster recording into
SQLite and PostgreSQL, idempotency, retries of killed tasks, and re-vetting on change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelsteward.cli import main
from modelsteward.policy import default_policy
from modelsteward.registry import open_registry
from modelsteward.services.fleet import batch, discover, read_list, vet_task
from modelsteward.services.versions import current_versions
from tests.fleet import faulty
from tests.fleet.models import clean_model, fleet
from tests.registry.conftest import pg_schema_dsn

__all__ = ["pg_schema_dsn"]

pytest.importorskip("safetensors")


@pytest.fixture(params=["sqlite", "postgresql"])
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return str(request.getfixturevalue("pg_schema_dsn"))


def _spec(dsn: str | None, **extra: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "policy": None,
        "use": None,
        "hash": True,
        "versions": current_versions(default_policy(), None),
    }
    if dsn is not None:
        spec.update(registry=dsn, actor="ci")
    spec.update(extra)
    return spec


def _passports(dsn: str) -> dict[str, int]:
    service = open_registry(dsn)
    try:
        return {m.name: len(service.show(m.id).passports) for m in service.list_models(1000, 0)}
    finally:
        service.close()


def test_discover_finds_outermost_model_directories(tmp_path: Path) -> None:
    models = fleet(tmp_path / "mirror")
    ckpt = clean_model(models[0] / "checkpoint-10", seed=99)  # belongs to model-0
    (tmp_path / "mirror" / "notes").mkdir()
    (tmp_path / "mirror" / "notes" / "todo.txt").write_text("x")
    found = discover(tmp_path / "mirror")
    assert found == sorted(models)
    assert ckpt not in found


def test_read_list_skips_comments_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# mirror\n/a\n\nhf://org/x@main\n/a\nregistered-name\n", encoding="utf-8")
    assert read_list(path) == ["/a", "hf://org/x@main", "registered-name"]


def test_local_pool_records_once_and_judges_each_model(tmp_path: Path, dsn: str) -> None:
    models = [str(p) for p in fleet(tmp_path / "m")]
    first = batch(models, _spec(dsn), workers=2)
    by = {Path(r.target).name: r for r in first.results}
    assert by["trojan"].decision == "reject"
    assert all(r.state == "recorded" for r in first.results)
    assert {by[f"model-{i}"].decision for i in range(4)} <= {"approve", "needs_review"}
    assert len(first.results) == 6
    counts = _passports(dsn)
    assert len(counts) == 6 and set(counts.values()) == {1}
    # The same batch again: nothing new.
    second = batch(models, _spec(dsn), workers=2)
    assert [r.state for r in second.results] == ["unchanged"] * 6
    assert _passports(dsn) == counts
    service = open_registry(dsn)
    try:
        assert service.audit_verify().ok
    finally:
        service.close()


def test_a_killed_worker_is_retried_and_a_failing_task_is_reported(tmp_path: Path) -> None:
    models = [str(clean_model(tmp_path / f"m{i}", seed=i)) for i in range(3)]
    marker = tmp_path / "markers"
    marker.mkdir()
    run = batch(models, _spec(None, marker_dir=str(marker)), workers=2, task=faulty.die_once)
    assert [r.state for r in run.results] == ["vetted"] * 3
    assert all(r.attempts >= 2 for r in run.results)
    failed = batch(models[:1], _spec(None), workers=1, retries=1, task=faulty.always_fails)
    assert failed.results[0].state == "failed"
    assert failed.results[0].attempts == 2
    assert "cannot read" in (failed.results[0].error or "")


def test_vet_recursive_cli_summary_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet(tmp_path / "m", clean=2)
    dsn = f"sqlite:///{tmp_path / 'reg.db'}"
    args = ["vet", str(tmp_path / "m"), "--recursive", "--record", "--as", "ci:requester"]
    code = main.run([*args, "--registry", dsn, "-f", "json", "--workers", "2"])
    assert code == 1  # the trojan is rejected
    out = capsys.readouterr()
    data = json.loads(out.out)["fleet"]
    assert data["targets"] == 4
    assert data["counts"]["recorded"] == 4
    assert "4 models in" in out.err
    listed = tmp_path / "list.txt"
    listed.write_text("\n".join(str(p) for p in sorted((tmp_path / "m").rglob("model-*"))))
    assert main.run(["vet", "--from-list", str(listed), "--registry", dsn, "-f", "json"]) == 0
    dry = json.loads(capsys.readouterr().out)["fleet"]
    assert dry["counts"]["vetted"] == 2
    assert main.run(["vet", "--from-list", str(tmp_path / "absent.txt")]) == 2
    assert "cannot read the list" in capsys.readouterr().err


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[object]:
    ray = pytest.importorskip("ray")
    options = {
        "num_cpus": 2,
        "include_dashboard": False,
        "log_to_driver": False,
        "configure_logging": False,
    }
    try:
        ray.init(**options)
    except Exception:
        ray.shutdown()
        ray.init(**options)
    ray.cloudpickle.register_pickle_by_value(faulty)
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_matches_the_process_pool_and_writes_postgres_once(
    tmp_path: Path, ray_cluster: object, pg_schema_dsn: str
) -> None:
    models = [str(p) for p in fleet(tmp_path / "m", clean=6)]
    local = batch(models, _spec(None), workers=2)
    remote = batch(models, _spec(pg_schema_dsn), use_ray=True)
    assert remote.executor == "ray:local"
    assert [(Path(r.target).name, r.decision) for r in remote.results] == [
        (Path(r.target).name, r.decision) for r in local.results
    ]
    assert all(r.state == "recorded" for r in remote.results)
    # Concurrent Ray tasks wrote every model once, with an intact audit chain.
    counts = _passports(pg_schema_dsn)
    assert len(counts) == 8 and set(counts.values()) == {1}
    again = batch(models, _spec(pg_schema_dsn), use_ray=True)
    assert {r.state for r in again.results} == {"unchanged"}
    assert _passports(pg_schema_dsn) == counts


def test_ray_retries_a_killed_task(tmp_path: Path, ray_cluster: object) -> None:
    model = str(clean_model(tmp_path / "m", seed=1))
    marker = tmp_path / "markers"
    marker.mkdir()
    run = batch([model], _spec(None, marker_dir=str(marker)), use_ray=True, task=faulty.die_once)
    # The first attempt's worker died (the marker says so); Ray ran it again.
    assert len(list(marker.iterdir())) == 1
    assert run.results[0].state == "vetted"


def test_vet_task_is_plain_data_in_and_out(tmp_path: Path) -> None:
    model = clean_model(tmp_path / "m", seed=3)
    out = vet_task(str(model), _spec(None))
    assert out["state"] == "vetted" and out["model"] == "m"
    json.dumps(out)
