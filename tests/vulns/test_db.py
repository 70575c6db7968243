"""Building, opening and updating the advisory index (downloads from a loopback server)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from modelsteward.vulns import AdvisoryDatabase, VulnError, build_index, update_database
from tests.vulns.conftest import make_record, write_zip


def test_index_from_zip_counts_and_lookup(tmp_path: Path) -> None:
    source = write_zip(
        tmp_path / "all.zip",
        [
            make_record("PYSEC-1", package="Foo_Bar"),
            make_record("PYSEC-2", package="foo-bar", withdrawn="2026-01-01T00:00:00Z"),
            make_record("PYSEC-3", package="other"),
        ],
    )
    stats = build_index(source, tmp_path / "db")
    assert (stats.records, stats.withdrawn, stats.packages) == (3, 1, 2)
    assert stats.ecosystems == ("PyPI",)
    with AdvisoryDatabase.open(tmp_path / "db") as db:
        found = db.lookup(["foo-bar", "absent"])
        assert [a.id for a in found["foo-bar"]] == ["PYSEC-1", "PYSEC-2"]
        assert found["absent"] == ()
        advisory = db.get("PYSEC-3")
        assert advisory is not None and advisory.summary == "summary of PYSEC-3"


def test_index_from_directory_of_json_and_yaml(tmp_path: Path) -> None:
    records = tmp_path / "vulns" / "pkg"
    records.mkdir(parents=True)
    (records / "PYSEC-1.json").write_text(json.dumps(make_record("PYSEC-1")), "utf-8")
    (records / "PYSEC-2.yaml").write_text(yaml.safe_dump(make_record("PYSEC-2")), "utf-8")
    (tmp_path / "vulns" / "README.md").write_text("not a record", "utf-8")
    stats = build_index(tmp_path / "vulns", tmp_path / "db")
    assert stats.records == 2


def test_newest_modified_wins_for_duplicate_ids(tmp_path: Path) -> None:
    old = make_record("PYSEC-1", summary="old")
    new = {**make_record("PYSEC-1", summary="new"), "modified": "2026-05-01T00:00:00Z"}
    a = write_zip(tmp_path / "a" / "all.zip", [new])
    b = write_zip(tmp_path / "b" / "all.zip", [old])
    build_index([a, b], tmp_path / "db")
    with AdvisoryDatabase.open(tmp_path / "db") as db:
        advisory = db.get("PYSEC-1")
        assert advisory is not None and advisory.summary == "new"


def test_malformed_record_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.json").write_text("{not json", "utf-8")
    with pytest.raises(VulnError) as info:
        build_index(tmp_path / "src", tmp_path / "db")
    assert "bad.json" in info.value.message


def test_missing_database_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(VulnError) as info:
        AdvisoryDatabase.open(tmp_path / "nothing")
    assert "modelsteward db update" in info.value.hint
    assert "--from" in info.value.hint


class _OsvHandler(SimpleHTTPRequestHandler):
    """Serves files like Google Cloud Storage does, with ``x-goog-hash: md5=...``."""

    corrupt_md5 = False

    def end_headers(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_file():
            digest = hashlib.md5(path.read_bytes()).digest()
            if self.corrupt_md5:
                digest = bytes(16)
            value = base64.b64encode(digest).decode()
            self.send_header("x-goog-hash", f"crc32c=AAAAAA==,md5={value}")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osv_server(tmp_path: Path) -> Iterator[tuple[str, type[_OsvHandler]]]:
    root = tmp_path / "bucket"
    write_zip(root / "PyPI" / "all.zip", [make_record("PYSEC-1"), make_record("PYSEC-2")])
    handler = type("Handler", (_OsvHandler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_update_downloads_verifies_and_swaps(
    tmp_path: Path, osv_server: tuple[str, type[_OsvHandler]]
) -> None:
    url, _ = osv_server
    dest = tmp_path / "db"
    stats = update_database(dest, base_url=url)
    assert stats.records == 2
    assert stats.source.startswith(url)
    assert sorted(p.name for p in dest.iterdir()) == ["index.sqlite"]


def test_update_with_bad_checksum_keeps_the_old_index(
    tmp_path: Path, osv_server: tuple[str, type[_OsvHandler]]
) -> None:
    url, handler = osv_server
    dest = tmp_path / "db"
    build_index(write_zip(tmp_path / "old" / "all.zip", [make_record("OLD-1")]), dest)
    handler.corrupt_md5 = True
    with pytest.raises(VulnError) as info:
        update_database(dest, base_url=url)
    assert "MD5" in info.value.message
    with AdvisoryDatabase.open(dest) as db:
        assert db.stats().records == 1
    assert sorted(p.name for p in dest.iterdir()) == ["index.sqlite"]


def test_update_unknown_ecosystem_is_an_error(
    tmp_path: Path, osv_server: tuple[str, type[_OsvHandler]]
) -> None:
    url, _ = osv_server
    with pytest.raises(VulnError) as info:
        update_database(tmp_path / "db", base_url=url, ecosystems=("NoSuch",))
    assert "HTTP 404" in info.value.message


def test_update_from_local_path(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "all.zip", [make_record("PYSEC-9")])
    stats = update_database(tmp_path / "db", from_path=source)
    assert stats.records == 1
    with pytest.raises(VulnError):
        update_database(tmp_path / "db", from_path=tmp_path / "absent.zip")


def test_snapshot_downloaded_from_loopback_and_indexed(snapshot_db: AdvisoryDatabase) -> None:
    stats = snapshot_db.stats()
    assert stats.source.startswith("http://127.0.0.1:")
    assert stats.records == 7080
    assert stats.packages == 1532
    assert stats.withdrawn > 0
