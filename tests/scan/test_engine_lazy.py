"""The engine imports a format reader only when an artifact it may handle appears."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan.engine import SCANNERS, LazyScanner

NAMES = (
    "model.pt",
    "model.keras",
    "model.h5",
    "keras_metadata.pb",
    "saved_model.pb",
    "config.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "additional_chat_templates/tool.jinja",
    "model.onnx",
    "weights.npy",
    "model.safetensors",
    "model.gguf",
    "model.joblib",
    "data.pkl",
    "README.md",
)


def _artifact(relpath: str, kind: ArtifactKind) -> Artifact:
    return Artifact(path=Path("/m") / relpath, display=relpath, relpath=relpath, size=1, kind=kind)


@pytest.mark.parametrize("lazy", SCANNERS, ids=lambda s: s.name)
def test_prefilter_never_hides_what_the_scanner_handles(lazy: LazyScanner) -> None:
    real = lazy.load()
    assert real.name == lazy.name
    for relpath, kind in itertools.product(NAMES, ArtifactKind):
        artifact = _artifact(relpath, kind)
        if real.handles(artifact):
            assert lazy.may_handle(artifact), (relpath, kind)
        assert lazy.handles(artifact) == real.handles(artifact)


def test_a_pickle_scan_loads_only_the_pickle_reader(tmp_path: Path) -> None:
    import pickle

    (tmp_path / "a.pkl").write_bytes(pickle.dumps([1, 2], protocol=4))
    probe = (
        "import sys\n"
        "from modelsteward.scan import ScanOptions, scan_path\n"
        f"scan_path({str(tmp_path)!r}, ScanOptions())\n"
        "print(sorted(m for m in sys.modules if m.startswith('modelsteward.scan.')"
        " and m.split('.')[2] in {'archive', 'chat_template', 'gguf', 'keras', 'onnx', 'tf',"
        " 'hf_config', 'safetensors', 'numpy', 'rules'}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'jinja2', 'onnx', 'h5py'}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.splitlines() == ["[]", "[]"]


def test_scan_paths_merges_sorts_and_reports_progress(tmp_path: Path) -> None:
    from modelsteward.scan import ScanOptions, scan_path, scan_paths

    bad = tmp_path / "bad.pkl"
    bad.write_bytes(b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.")
    odd = tmp_path / "odd.pkl"
    odd.write_bytes(b"\x80\x02cmylib\nNet\n)R.")
    steps: list[int] = []
    report = scan_paths([odd, bad], ScanOptions(), advance=steps.append)
    assert steps == [1, 1]
    expected = scan_path(odd, ScanOptions()).merge(scan_path(bad, ScanOptions())).sorted()
    assert report == expected
    assert [f.rule_id for f in report.findings] == [
        "scan.pickle.unsafe-global",
        "scan.pickle.unverified-global",
    ]
