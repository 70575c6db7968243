"""The dispatcher, the CLI, and a fuzz test over real files: no exception escapes, nothing
hangs."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelsteward.cli.main import run
from modelsteward.inventory import walk_model
from modelsteward.scan import RULES, ScanOptions, scan_inventory, scan_path
from tests.scan.factories import call_pickle, torch_zip, write


def _seeds(directory: Path) -> dict[str, bytes]:
    torch.save({"w": torch.ones(3), "b": torch.zeros(2)}, directory / "t.pt")
    torch.save({"w": torch.ones(3)}, directory / "l.pt", _use_new_zipfile_serialization=False)
    joblib.dump({"a": np.arange(4)}, directory / "j.joblib")
    joblib.dump({"a": np.arange(4)}, directory / "z.joblib", compress=3)
    np.save(directory / "a.npy", np.arange(3))
    (directory / "p.pkl").write_bytes(pickle.dumps({"k": [1, 2.0, "s"]}, protocol=4))
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _seeds(tmp_path_factory.mktemp("seeds"))


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_real_files_never_crash(
    seeds: dict[str, bytes], tmp_path: Path, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(seeds)))
    blob = bytearray(seeds[name])
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(blob)))
    path = write(tmp_path, f"fuzz-{name}", bytes(blob[:cut]))
    report = scan_path(path, ScanOptions(timeout_s=5.0))
    assert "scan.scanner.failed" not in report.rule_ids()
    assert report.rule_ids() <= set(RULES) | {"inventory.symlink.escape"}


def test_parallel_scan_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelsteward.scan import engine

    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    for i in range(10):
        write(tmp_path, f"m{i}.pkl", call_pickle("posix", "system", f"echo {i}"))
    inventory = walk_model(tmp_path, hash_files=False)
    serial = scan_inventory(inventory, ScanOptions(), workers=1)
    pooled = scan_inventory(inventory, ScanOptions(), workers=2)
    assert [f.message for f in serial.findings] == [f.message for f in pooled.findings]
    assert len(pooled.findings) == 10


def test_every_fired_rule_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scan.md").read_text("utf-8")
    missing = [rule for rule in RULES if rule.startswith("scan.pickle") and rule not in doc]
    assert missing == []


def test_cli_json_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(
        tmp_path / "bad", "pytorch_model.bin", torch_zip(call_pickle("posix", "system", "id"))
    )
    good = write(tmp_path / "good", "x.pkl", pickle.dumps([1, 2], protocol=2))
    assert run(["scan", str(bad), str(good), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [f["rule_id"] for f in out["findings"]] == ["scan.pickle.unsafe-global"]
    assert out["findings"][0]["location"]["member"] == "archive/data.pkl"
    assert run(["scan", str(bad), "--allow-global", "posix.system", "--format", "json"]) == 0
    capsys.readouterr()
    assert run(["scan", str(good), "--hash", "--format", "sarif"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"


def test_cli_missing_path_is_usage_error(tmp_path: Path) -> None:
    assert run(["scan", str(tmp_path / "nope")]) == 2


def test_demo_section_shows_the_exact_call(tmp_path: Path) -> None:
    from rich.console import Console

    from modelsteward.cli.demo_context import DemoContext
    from modelsteward.cli.scan import DEMO_SECTIONS
    from modelsteward.cli.state import CliState
    from modelsteward.config import Settings
    from modelsteward.demo.models import TROJAN_COMMAND, build_workspace

    console = Console(record=True, width=400)
    ctx = DemoContext(build_workspace(tmp_path), console, CliState(settings=Settings()))
    for _, section in DEMO_SECTIONS:
        section(ctx)
    text = console.export_text()
    assert f"posix.system({TROJAN_COMMAND!r})" in text
    assert "tiny-llama: no finding at medium or above" in text


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=300), protocol=st.integers(0, 5))
def test_random_opcode_streams_never_raise(body: bytes, protocol: int) -> None:
    from modelsteward.scan.pickle import scan_stream
    from modelsteward.scan.pickle_sink import Where

    data = bytes([0x80, protocol]) + body
    findings = scan_stream(data, 0, len(data), Where(path="x"), ScanOptions(timeout_s=2.0))
    assert {f.rule_id for f in findings} <= set(RULES)


def test_time_budget_stops_a_long_stream(tmp_path: Path) -> None:
    body = b"\x80\x02" + b"N0" * 50_000 + b"N."
    report = scan_path(write(tmp_path, "slow.pkl", body), ScanOptions(timeout_s=0.0))
    (finding,) = report.findings
    assert finding.rule_id == "scan.limit.exceeded"
    assert "time budget" in finding.message


def test_inventory_findings_are_included(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "escape").symlink_to(tmp_path)
    write(model, "w.pkl", pickle.dumps([1], protocol=2))
    report = scan_inventory(walk_model(model, hash_files=False), ScanOptions())
    assert report.rule_ids() == {"inventory.symlink.escape"}


def test_file_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "m.pkl", call_pickle("posix", "system", "id"))
    report = scan_path(path, ScanOptions(max_file_bytes=8))
    assert report.rule_ids() == {"scan.file.too-large"}
    assert [s.reason for s in report.skipped] == ["larger than max_file_bytes"]


def test_pool_kills_a_file_that_outlives_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from modelsteward.scan import engine

    original = engine.scan_artifact

    def slow(artifact: object, options: ScanOptions) -> object:
        if str(getattr(artifact, "relpath", "")) == "hang.pkl":
            time.sleep(60)
        return original(artifact, options)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "scan_artifact", slow)
    write(tmp_path, "hang.pkl", pickle.dumps([1], protocol=2))
    write(tmp_path, "bad.pkl", call_pickle("posix", "system", "id"))
    started = time.monotonic()
    report = scan_inventory(
        walk_model(tmp_path, hash_files=False), ScanOptions(timeout_s=0.5), workers=2
    )
    assert time.monotonic() - started < 30
    assert report.rule_ids() == {"scan.limit.exceeded", "scan.pickle.unsafe-global"}
