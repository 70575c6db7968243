"""Zip, tar and compressed containers: members are scanned, container tricks are findings."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from modelsteward.scan import ScanOptions, scan_path
from tests.scan.factories import (
    call_pickle,
    patch_central,
    patch_local,
    torch_zip,
    write,
    zip_bytes,
)

PAYLOAD = call_pickle("posix", "system", "id")


def _rules(path: Path, options: ScanOptions | None = None) -> set[str]:
    return scan_path(path, options or ScanOptions()).rule_ids()


def test_torch_zip_payload_has_member_and_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "pytorch_model.bin", torch_zip(PAYLOAD))
    (finding,) = scan_path(path, ScanOptions()).findings
    assert finding.rule_id == "scan.pickle.unsafe-global"
    assert finding.location.member == "archive/data.pkl"
    assert finding.location.offset == PAYLOAD.index(b"R")


def test_local_name_mismatch_zipfile_rejects_torch_reads(tmp_path: Path) -> None:
    # picklescan GHSA-7q5r-7gvp-wc82: a zip Python's zipfile refuses but torch loads.
    data = patch_local(torch_zip(PAYLOAD), 0, field="name", value=b"archive/data.pkX")
    rules = _rules(write(tmp_path, "m.pt", data))
    assert {"scan.zip.inconsistent-header", "scan.pickle.unsafe-global"} <= rules


def test_flag_bit_in_central_directory(tmp_path: Path) -> None:
    # picklescan GHSA-w8jq-xcqf-f792: a flag bit that crashes zipfile but not torch.
    data = patch_central(torch_zip(PAYLOAD), 0, field="flags", value=0x1)
    rules = _rules(write(tmp_path, "m.pt", data))
    assert {"scan.zip.inconsistent-header", "scan.pickle.unsafe-global"} <= rules


def test_bad_crc_everywhere_still_scanned(tmp_path: Path) -> None:
    # JFrog's CRC bypass (picklescan GHSA-gx77-x2pv-48v7): zipfile raises, torch ignores CRC.
    data = patch_local(torch_zip(PAYLOAD), 0, field="crc", value=0xDEADBEEF)
    data = patch_central(data, 0, field="crc", value=0xDEADBEEF)
    assert "scan.pickle.unsafe-global" in _rules(write(tmp_path, "m.pt", data))


def test_pickle_member_with_unusual_name(tmp_path: Path) -> None:
    # picklescan GHSA-769v-p64c-89pr: a pickle member not named *.pkl.
    data = zip_bytes({"archive/weights.bin": PAYLOAD, "archive/data.pkl": b"\x80\x02N."})
    assert "scan.pickle.unsafe-global" in _rules(write(tmp_path, "m.pt", data))


def test_deflated_and_nested_zip(tmp_path: Path) -> None:
    inner = zip_bytes({"inner/data.pkl": PAYLOAD}, compress=True)
    outer = zip_bytes({"bundle/model.zip": inner}, compress=True)
    (finding,) = scan_path(write(tmp_path, "outer.zip", outer), ScanOptions()).findings
    assert finding.rule_id == "scan.pickle.unsafe-global"
    assert finding.location.member == "bundle/model.zip!inner/data.pkl"


def test_prepended_bytes_are_reported(tmp_path: Path) -> None:
    data = b"\x00" * 100 + torch_zip(b"\x80\x02N.")
    assert "scan.zip.inconsistent-header" in _rules(write(tmp_path, "m.pt", data))


def test_path_traversal_and_duplicate(tmp_path: Path) -> None:
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../evil.pkl", b"\x80\x02N.")
        zf.writestr("a.txt", b"x")
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")
            zf.writestr("a.txt", b"y")
    rules = _rules(write(tmp_path, "t.zip", buf.getvalue()))
    assert {"scan.archive.path-traversal", "scan.zip.duplicate-member"} <= rules


def test_zip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    data = zip_bytes({"big.pkl": b"\x00" * (4 << 20)}, compress=True)
    options = ScanOptions(max_unpacked_bytes=1 << 20)
    assert "scan.archive.bomb" in _rules(write(tmp_path, "b.zip", data), options)


def test_garbage_zip_is_malformed(tmp_path: Path) -> None:
    data = b"PK\x03\x04" + b"\x00" * 200
    assert "scan.zip.malformed" in _rules(write(tmp_path, "b.zip", data))


def test_compressed_pickles(tmp_path: Path) -> None:
    for name, data in (
        ("m.joblib", zlib.compress(PAYLOAD)),
        ("m.pkl.gz", gzip.compress(PAYLOAD)),
        ("m.pkl.bz2", bz2.compress(PAYLOAD)),
        ("m.pkl.xz", lzma.compress(PAYLOAD)),
    ):
        assert "scan.pickle.unsafe-global" in _rules(write(tmp_path, name, data)), name


def test_tar_with_link_and_legacy_pickle(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("pickle")
        info.size = len(PAYLOAD)
        tf.addfile(info, io.BytesIO(PAYLOAD))
        link = tarfile.TarInfo("storages")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    rules = _rules(write(tmp_path, "legacy.tar", buf.getvalue()))
    assert {"scan.archive.link-member", "scan.pickle.unsafe-global"} <= rules


def test_npy_object_array_pickle_is_scanned(tmp_path: Path) -> None:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - len(header) % 64) + "\n"
    raw = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + PAYLOAD
    rules = _rules(write(tmp_path, "a.npy", raw))
    assert {"scan.numpy.object-array", "scan.pickle.unsafe-global"} <= rules


def test_npz_member_object_array(tmp_path: Path) -> None:
    path = tmp_path / "a.npz"
    np.savez(path, ok=np.arange(3), obj=np.array([{"a": 1}], dtype=object))
    report = scan_path(path, ScanOptions())
    assert report.rule_ids() == {"scan.numpy.object-array"}
    assert not [f for f in report.findings if f.severity > 2]


def test_bad_npy_header(tmp_path: Path) -> None:
    raw = b"\x93NUMPY\x01\x00\x10\x00{'descr': open}\n"
    assert "scan.numpy.malformed" in _rules(write(tmp_path, "a.npy", raw))


def test_protocol0_payload_with_junk_in_a_bin_file(tmp_path: Path) -> None:
    # torch.load unpickles any non-zip file: junk after STOP defeats content sniffing.
    data = b"cposix\nsystem\n(S'id'\ntR." + b"\x00\xff" * 100
    assert "scan.pickle.unsafe-global" in _rules(write(tmp_path, "pytorch_model.bin", data))


def test_random_bin_file_is_quiet(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4
    assert _rules(write(tmp_path, "tokenizer.bin", data)) == set()


def test_hidden_local_header_between_members(tmp_path: Path) -> None:
    hidden = zip_bytes({"evil/data.pkl": PAYLOAD})
    hidden_local = hidden[: hidden.index(b"PK\x01\x02")]
    clean = torch_zip(b"\x80\x02N.")
    cd = clean.index(b"PK\x01\x02")
    # Shift the central directory: insert the hidden member before it and fix the offset.
    data = bytearray(clean[:cd] + hidden_local + clean[cd:])
    eocd = data.rindex(b"PK\x05\x06")
    old = int.from_bytes(data[eocd + 16 : eocd + 20], "little")
    data[eocd + 16 : eocd + 20] = (old + len(hidden_local)).to_bytes(4, "little")
    report = scan_path(write(tmp_path, "m.pt", bytes(data)), ScanOptions())
    (gap,) = [f for f in report.findings if f.rule_id == "scan.zip.unreferenced-data"]
    assert gap.severity == 3


def test_member_in_another_format_goes_to_its_scanner(tmp_path: Path) -> None:
    config = b'{"auto_map": {"AutoModel": "modeling_x.Model"}, "model_type": "x"}'
    data = zip_bytes({"bundle/config.json": config, "bundle/weights.pkl": b"\x80\x02N."})
    report = scan_path(write(tmp_path, "bundle.zip", data), ScanOptions())
    members = {f.location.member for f in report.findings if f.rule_id.startswith("scan.hf")}
    assert members and all(m and m.startswith("bundle/config.json") for m in members)


def test_extraction_directory_is_made_on_demand_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    made: list[str] = []
    original = tempfile.mkdtemp

    def spy(*args: object, **kwargs: object) -> str:
        path = original(*args, **kwargs)  # type: ignore[call-overload]
        made.append(path)
        return str(path)

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    models = tmp_path / "models"
    models.mkdir()
    # A stored torch zip is read in place: no extraction directory at all.
    write(models, "flat.pt", torch_zip(b"\x80\x02N."))
    assert scan_path(models / "flat.pt", ScanOptions()).findings == ()
    assert made == []
    # A compressed nested archive is extracted; its directory is gone afterwards.
    inner = zip_bytes({"inner/data.pkl": PAYLOAD}, compress=True)
    write(models, "outer.zip", zip_bytes({"bundle/model.zip": inner}, compress=True))
    assert "scan.pickle.unsafe-global" in _rules(models / "outer.zip")
    assert len(made) == 1 and list(scratch.iterdir()) == []
