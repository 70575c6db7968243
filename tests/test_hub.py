"""``hf://ORG/NAME[@REV]`` against a local server in the Hub's API layout: weights are judged
from ranges of their bytes, the passport pins the commit and the LFS sha256, ``--download``
fetches and checks everything, and hostile weights are still caught. No network is used."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.demo.pickles import torch_state_dict_pickle
from modelsteward.errors import StewardError
from modelsteward.findings import Severity
from modelsteward.inventory import hub as hub_module
from modelsteward.inventory import walk_model
from modelsteward.scan import ScanOptions, scan_inventory
from tests.hub_server import HubRepos, serve
from tests.scan.real_corpus import MIT_TEXT as MIT

pytest.importorskip("huggingface_hub")

COMMIT = "0123456789abcdef0123456789abcdef01234567"
GiB = 1024**3
FAKE_SHA = {"model-00001-of-00002.safetensors": "a" * 64, "pytorch_model.bin": "b" * 64}


def sparse_safetensors(path: Path, *, tensors: int, each: int) -> None:
    """A safetensors file of ``tensors * each`` data bytes whose data is a hole."""
    header: dict[str, object] = {}
    for i in range(tensors):
        header[f"layer{i}.weight"] = {
            "dtype": "F32",
            "shape": [each // 4],
            "data_offsets": [i * each, (i + 1) * each],
        }
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + tensors * each)


def _zeros_crc(n: int) -> int:
    block = bytes(1 << 20)
    crc = 0
    for _ in range(n >> 20):
        crc = zlib.crc32(block, crc)
    return zlib.crc32(bytes(n & ((1 << 20) - 1)), crc)


def sparse_torch_zip(path: Path, pkl: bytes, storages: list[int]) -> None:
    """A ``torch.save`` zip (zip64, stored) whose storages are holes of the given sizes."""
    members = [("archive/data.pkl", pkl), ("archive/byteorder", b"little")]
    members += [(f"archive/data/{i}", n) for i, n in enumerate(storages)]
    members.append(("archive/version", b"3\n"))
    central = b""
    with open(path, "wb") as fh:
        for name, content in members:
            size = content if isinstance(content, int) else len(content)
            crc = _zeros_crc(size) if isinstance(content, int) else zlib.crc32(content)
            raw = name.encode()
            offset = fh.tell()
            extra = struct.pack("<HHQQ", 1, 16, size, size)
            fh.write(
                struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc,
                            0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(extra)) + raw + extra
            )  # fmt: skip
            if isinstance(content, int):
                fh.seek(content, os.SEEK_CUR)
            else:
                fh.write(content)
            cextra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            central += (
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc,
                            0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(cextra), 0, 0, 0, 0,
                            0xFFFFFFFF) + raw + cextra
            )  # fmt: skip
        cd_offset = fh.tell()
        fh.write(central)
        z64 = fh.tell()
        n = len(members)
        fh.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n,
                             len(central), cd_offset))  # fmt: skip
        fh.write(struct.pack("<IIQI", 0x07064B50, 0, z64, 1))
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                             0xFFFFFFFF, 0))  # fmt: skip


def _repo(root: Path, *, trojan: str | None = None) -> Path:
    root.mkdir(parents=True)
    (root / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    (root / "README.md").write_text("---\nlicense: mit\n---\n# tiny\n", encoding="utf-8")
    (root / "LICENSE").write_text(MIT, encoding="utf-8")
    sparse_safetensors(root / "model-00001-of-00002.safetensors", tensors=12, each=256 << 20)
    tensors = {f"w{i}": (1 << 28,) for i in range(2)}
    pkl = torch_state_dict_pickle(tensors, trojan=trojan)
    sparse_torch_zip(root / "pytorch_model.bin", pkl, [1 << 30, 1 << 30])
    return root


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HubRepos, str]]:
    from huggingface_hub import constants

    repos = HubRepos()
    server, endpoint = serve(repos)
    # What HF_ENDPOINT does when it is set before huggingface_hub is imported.
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    template = endpoint + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    monkeypatch.setattr(hub_module, "_MATERIALIZED", {})
    yield repos, endpoint
    server.shutdown()
    server.server_close()


def test_scan_judges_weights_from_ranges(tmp_path: Path, hub: tuple[HubRepos, str]) -> None:
    repos, _ = hub
    root = _repo(tmp_path / "repo")
    repos.add("org/tiny", root, commit=COMMIT, sha256=FAKE_SHA)
    total = sum(p.stat().st_size for p in root.iterdir())
    inventory = walk_model("hf://org/tiny", hash_files=True)
    report = scan_inventory(inventory, ScanOptions())
    assert report.at_least(Severity.MEDIUM) == ()
    assert inventory.source.revision == COMMIT
    digests = {a.relpath: a.sha256 for a in inventory.artifacts}
    assert digests["pytorch_model.bin"] == "b" * 64
    assert inventory.source.partial == {"model-00001-of-00002.safetensors", "pytorch_model.bin"}
    assert total > 5 * GiB
    assert repos.bytes_sent < total / 1000
    assert any("Authorization" not in r for r in repos.requests)  # the log holds no secrets


def test_a_trojan_checkpoint_on_the_hub_is_caught(
    tmp_path: Path, hub: tuple[HubRepos, str]
) -> None:
    repos, _ = hub
    repos.add("org/trojan", _repo(tmp_path / "repo", trojan="id"), commit=COMMIT, sha256=FAKE_SHA)
    report = scan_inventory(walk_model("hf://org/trojan"), ScanOptions())
    found = {(f.rule_id, f.evidence) for f in report.at_least(Severity.CRITICAL)}
    assert found == {("scan.pickle.unsafe-global", "posix.system")}
    (where,) = [f.location for f in report.at_least(Severity.CRITICAL)]
    assert where.path == "hf://org/trojan/pytorch_model.bin"


def test_vet_records_commit_and_lfs_sha256(
    tmp_path: Path, hub: tuple[HubRepos, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repos, _ = hub
    repos.add("org/tiny", _repo(tmp_path / "repo"), commit=COMMIT, sha256=FAKE_SHA)
    code = run(["--no-progress", "--format", "json", "vet", "--preset", "internal",
                f"hf://org/tiny@{COMMIT}"])  # fmt: skip
    passport = json.loads(capsys.readouterr().out)["passport"]
    identity = passport["identity"]
    assert identity["source"] == f"hf://org/tiny@{COMMIT}"
    assert identity["revision"] == COMMIT
    files = {f["path"]: f["sha256"] for f in identity["files"]}
    assert files["model-00001-of-00002.safetensors"] == "a" * 64
    assert passport["license"]["id"].lower() == "mit"
    assert passport["decision"]["outcome"] == "approve", passport["decision"]["reasons"]
    assert code == 0


def _small(root: Path) -> Path:
    root.mkdir()
    (root / "README.md").write_text("# small\n", encoding="utf-8")
    sparse_safetensors(root / "model.safetensors", tensors=1, each=2 << 20)
    return root


def test_cli_download_flag_fetches_in_full(
    tmp_path: Path, hub: tuple[HubRepos, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repos, _ = hub
    root = _small(tmp_path / "repo")
    repos.add("org/small", root, commit=COMMIT, sha256={"model.safetensors": "c" * 64})
    code = run(["--no-progress", "--format", "json", "scan", "--download", "hf://org/small"])
    doc = json.loads(capsys.readouterr().out)
    assert repos.bytes_sent >= (root / "model.safetensors").stat().st_size
    found = {(f["rule_id"], f["location"]["path"]) for f in doc["findings"]}
    # the listed sha256 is made up, and the download proves it
    assert found == {("inventory.hub.sha256-mismatch", "hf://org/small/model.safetensors")}
    assert code == 1


def test_download_fetches_and_checks_every_file(tmp_path: Path, hub: tuple[HubRepos, str]) -> None:
    repos, _ = hub
    root = _small(tmp_path / "repo")
    weights = root / "model.safetensors"
    repos.add("org/small", root, commit=COMMIT, sha256={"model.safetensors": "c" * 64})
    inventory = walk_model("hf://org/small", download=True)
    assert inventory.source.partial == frozenset()
    assert repos.bytes_sent >= weights.stat().st_size
    found = {(f.rule_id, f.location.path) for f in inventory.report.findings}
    assert found == {("inventory.hub.sha256-mismatch", "hf://org/small/model.safetensors")}


def test_unknown_repo_and_revision_are_clear_errors(
    tmp_path: Path, hub: tuple[HubRepos, str]
) -> None:
    repos, _ = hub
    repos.add("org/tiny", _repo(tmp_path / "repo"), commit=COMMIT, sha256=FAKE_SHA)
    with pytest.raises(StewardError, match="no such repository"):
        walk_model("hf://org/missing")
    with pytest.raises(StewardError, match="no such revision"):
        walk_model("hf://org/tiny@v9")
    with pytest.raises(StewardError, match="not a Hub repository"):
        walk_model("hf://just-a-name")


def test_cli_honours_hf_endpoint(tmp_path: Path, hub: tuple[HubRepos, str]) -> None:
    repos, endpoint = hub
    repos.add("org/tiny", _repo(tmp_path / "repo"), commit=COMMIT, sha256=FAKE_SHA)
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HOME": str(tmp_path / "hf-home")}
    proc = subprocess.run(
        [sys.executable, "-m", "modelsteward", "--no-progress", "--format", "json",
         "scan", "hf://org/tiny"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [f for f in doc["findings"] if f["severity"] in ("high", "critical")] == []
    assert repos.bytes_sent < 10 * 1024 * 1024


def test_license_and_inventory_accept_hub_repositories(
    tmp_path: Path, hub: tuple[HubRepos, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repos, _ = hub
    repos.add("org/tiny", _repo(tmp_path / "repo"), commit=COMMIT, sha256=FAKE_SHA)
    assert run(["--no-progress", "--format", "json", "license", "hf://org/tiny"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["license"]["id"].lower() == "mit"
    assert run(["--no-progress", "--format", "json", "inventory", "hf://org/tiny"]) == 0
    files = {f["relpath"]: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert files["pytorch_model.bin"]["kind"] == "zip"
    assert files["pytorch_model.bin"]["sha256"] == "b" * 64
    assert files["model-00001-of-00002.safetensors"]["size"] > 3 * GiB
