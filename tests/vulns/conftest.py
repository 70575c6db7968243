"""Factories for OSV records and advisory databases, and the shared snapshot index."""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Callable, Sequence
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from modelsteward.vulns import AdvisoryDatabase, build_index, update_database

SNAPSHOT_ZIP = Path("data/advisories/osv-scanner-localdb/osv-scanner/PyPI/all.zip")

Record = dict[str, Any]


def make_record(
    ident: str,
    package: str = "demo-pkg",
    events: Sequence[dict[str, str]] = ({"introduced": "0"}, {"fixed": "2.0"}),
    *,
    aliases: Sequence[str] = (),
    versions: Sequence[str] | None = None,
    ranges: list[dict[str, Any]] | None = None,
    vector: str | None = None,
    withdrawn: str | None = None,
    **extra: Any,
) -> Record:
    """One OSV record for ``package`` with one ECOSYSTEM range (or the given ``ranges``)."""
    affected: dict[str, Any] = {"package": {"ecosystem": "PyPI", "name": package}}
    if ranges is not None:
        affected["ranges"] = ranges
    elif events:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": list(events)}]
    if versions is not None:
        affected["versions"] = list(versions)
    record: Record = {
        "id": ident,
        "modified": "2026-01-01T00:00:00Z",
        "published": "2025-01-01T00:00:00Z",
        "aliases": list(aliases),
        "summary": f"summary of {ident}",
        "affected": [affected],
        **extra,
    }
    if vector:
        kind = "CVSS_V4" if vector.startswith("CVSS:4") else "CVSS_V3"
        record["severity"] = [{"type": kind, "score": vector}]
    if withdrawn:
        record["withdrawn"] = withdrawn
    return record


def write_zip(path: Path, records: Sequence[Record]) -> Path:
    """An OSV ``all.zip`` export holding ``records``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    return path


DbFactory = Callable[..., AdvisoryDatabase]


@pytest.fixture
def make_db(tmp_path: Path) -> DbFactory:
    """``make_db(*records)`` builds an index from the records and opens it."""
    opened: list[AdvisoryDatabase] = []
    counter = iter(range(10_000))

    def build(*records: Record) -> AdvisoryDatabase:
        n = next(counter)
        source = write_zip(tmp_path / f"src{n}" / "all.zip", records)
        build_index(source, tmp_path / f"db{n}")
        db = AdvisoryDatabase.open(tmp_path / f"db{n}")
        opened.append(db)
        return db

    yield build  # type: ignore[misc]
    for db in opened:
        db.close()


@pytest.fixture(scope="session")
def snapshot_zip(shared_dir: Path) -> Path:
    """The shared 7,080-record PyPI OSV export."""
    path = shared_dir / SNAPSHOT_ZIP
    if not path.is_file():
        pytest.skip(f"OSV snapshot absent: {path}")
    return path


@pytest.fixture(scope="session")
def snapshot_db_path(snapshot_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot indexed once per test session, by ``db update`` downloading it from a
    loopback server that serves the shared copy in OSV's bucket layout (``PyPI/all.zip``)."""
    dest = tmp_path_factory.mktemp("osv-snapshot")
    bucket = snapshot_zip.parent.parent
    handler = partial(_QuietHandler, directory=str(bucket))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        update_database(dest, base_url=f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    return dest


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def snapshot_db(snapshot_db_path: Path) -> AdvisoryDatabase:
    db = AdvisoryDatabase.open(snapshot_db_path)
    yield db  # type: ignore[misc]
    db.close()
