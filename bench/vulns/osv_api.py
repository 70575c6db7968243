"""A loopback OSV API (``/v1/querybatch``, ``/v1/vulns/<id>``) over an OSV ``all.zip``.

It answers a batch query with every non-withdrawn record naming the package, without
filtering by version, so that the client under test does the version matching itself.
"""

from __future__ import annotations

import json
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_SEP = re.compile(r"[-_.]+")


def _norm(name: str) -> str:
    return _SEP.sub("-", name).lower()


def load_records(snapshot: Path) -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """Record bytes by id, and ids by normalised package name (withdrawn left out)."""
    records: dict[str, bytes] = {}
    by_name: dict[str, list[str]] = {}
    with zipfile.ZipFile(snapshot) as archive:
        for name in archive.namelist():
            if not name.endswith(".json"):
                continue
            raw = archive.read(name)
            record: dict[str, Any] = json.loads(raw)
            records[record["id"]] = raw
            if record.get("withdrawn"):
                continue
            for affected in record.get("affected", []):
                pkg = _norm(affected["package"]["name"])
                by_name.setdefault(pkg, []).append(record["id"])
    return records, by_name


@contextmanager
def serve_osv_api(snapshot: Path) -> Iterator[str]:
    """Serve ``snapshot`` on 127.0.0.1; yield the API base URL (``http://127.0.0.1:N/v1``)."""
    records, by_name = load_records(snapshot)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            query = json.loads(self.rfile.read(length) or b"{}")
            results = []
            for item in query.get("queries", []):
                name = _norm((item.get("package") or {}).get("name", ""))
                results.append({"vulns": [{"id": i} for i in by_name.get(name, [])]})
            self._send(200, json.dumps({"results": results}).encode())

        def do_GET(self) -> None:
            ident = self.path.rstrip("/").rsplit("/", 1)[-1]
            raw = records.get(ident)
            if raw is None:
                self._send(404, b'{"code":5,"message":"Bug not found."}')
            else:
                self._send(200, raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
