"""Repositories written by the real libraries, and ordinary license texts, are judged right:
no finding at high or above, and ``vet --preset internal`` approves the permissive ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.findings import Severity
from modelsteward.inventory import ArtifactKind, sniff_kind
from modelsteward.scan import ScanOptions, scan_path
from tests.conftest import SHARED
from tests.scan import real_corpus
from tests.scan.format_factories import safetensors_bytes

LICENSES = SHARED / "data" / "model-licenses"
_WEIGHTS = safetensors_bytes(
    {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\x00" * 8
)
LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "USE_POLICY.md", "NOTICE", "PROHIBITED_USE_POLICY.md")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real")


def _repo(corpus: Path, name: str) -> Path:
    target = corpus / name
    if target.is_dir():
        return target
    try:
        return real_corpus.build(name, corpus)
    except real_corpus.MissingLibrary as exc:
        pytest.skip(f"{exc} is not installed (it is in the dev dependency group)")


def _above(path: Path, floor: Severity) -> list[str]:
    report = scan_path(path, ScanOptions())
    return [f"{f.rule_id} {f.location.describe()}: {f.evidence}" for f in report.at_least(floor)]


@pytest.mark.parametrize("name", sorted(real_corpus.BUILDERS))
def test_real_library_repository_has_nothing_above_low(corpus: Path, name: str) -> None:
    assert _above(_repo(corpus, name), Severity.MEDIUM) == []


@pytest.mark.parametrize("name", sorted(real_corpus.BUILDERS))
def test_vet_internal_approves_real_library_repository(
    corpus: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(corpus, name)
    code = run(["--no-progress", "--format", "json", "vet", "--preset", "internal", str(repo)])
    passport = json.loads(capsys.readouterr().out)["passport"]
    assert passport["decision"]["outcome"] == "approve", passport["decision"]["reasons"]
    assert code == 0


def test_object_arrays_of_plain_values_are_low(corpus: Path) -> None:
    report = scan_path(_repo(corpus, "numpy"), ScanOptions())
    found = {(f.rule_id, f.severity) for f in report.findings if f.severity > Severity.INFO}
    assert found == {("scan.numpy.object-array", Severity.LOW)}


def _license_files() -> list[Path]:
    if not LICENSES.is_dir():
        return []
    return sorted(p for p in LICENSES.rglob("*") if p.is_file() and p.name != "SOURCE.md")


@pytest.mark.skipif(not LICENSES.is_dir(), reason=f"no license texts at {LICENSES}")
@pytest.mark.parametrize("text", _license_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_license_text_is_never_a_pickle(tmp_path: Path, text: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(_WEIGHTS)
    data = text.read_bytes()
    for name in LICENSE_NAMES:
        (model / name).write_bytes(data)
        assert sniff_kind(model / name) is ArtifactKind.TEXT
    assert _above(model, Severity.HIGH) == []


@pytest.mark.skipif(not LICENSES.is_dir(), reason=f"no license texts at {LICENSES}")
@pytest.mark.parametrize("spdx", ["mit", "apache-2.0"])
def test_vet_internal_approves_a_permissive_model_directory(
    tmp_path: Path, spdx: str, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(_WEIGHTS)
    (model / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    (model / "LICENSE").write_bytes((LICENSES / spdx / "LICENSE.txt").read_bytes())
    (model / "README.md").write_text(f"---\nlicense: {spdx}\n---\n# tiny\n", encoding="utf-8")
    code = run(["--no-progress", "--format", "json", "vet", "--preset", "internal", str(model)])
    passport = json.loads(capsys.readouterr().out)["passport"]
    assert passport["license"]["id"].lower() == spdx
    assert passport["decision"]["outcome"] == "approve", passport["decision"]["reasons"]
    assert code == 0
