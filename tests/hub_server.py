"""A local HTTP server in the Hugging Face Hub's API layout, for tests and benchmarks.

It serves one directory per repository at one commit: ``GET /api/models/ORG/NAME[/revision/
REV]?blobs=true`` lists the files with sizes and LFS metadata, and ``HEAD``/``GET
/ORG/NAME/resolve/REV/PATH`` serves a file with the Hub's headers (``X-Repo-Commit``,
``X-Linked-Etag``, ``X-Linked-Size``) and HTTP range requests. Files over ``LFS_FROM`` bytes
are LFS files; their sha256 is the one given to :meth:`HubRepos.add` (multi-GB sparse files
need not be hashed) or computed. It counts every body byte it sends.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_FROM = 1024 * 1024


class HubRepos:
    """The repositories the server knows, and what it has sent."""

    def __init__(self) -> None:
        self.repos: dict[str, tuple[str, Path, dict[str, str]]] = {}
        self.bytes_sent = 0
        self.requests: list[str] = []
        self.lock = threading.Lock()

    def add(self, repo_id: str, root: Path, *, commit: str, sha256: dict[str, str] | None = None):
        """Serve ``root`` as ``repo_id`` at ``commit`` (also as ``main``)."""
        self.repos[repo_id] = (commit, root, dict(sha256 or {}))

    def listing(self, repo_id: str) -> dict[str, object]:
        commit, root, known = self.repos[repo_id]
        siblings = []
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            size = path.stat().st_size
            entry: dict[str, object] = {"rfilename": rel, "size": size, "blobId": _git_id(rel)}
            if size > LFS_FROM:
                sha = known.get(rel) or _sha256(path)
                entry["lfs"] = {"size": size, "sha256": sha, "pointerSize": 134}
            siblings.append(entry)
        return {"id": repo_id, "modelId": repo_id, "sha": commit, "siblings": siblings}


def _git_id(rel: str) -> str:
    return hashlib.sha1(rel.encode()).hexdigest()


_SHA_CACHE: dict[tuple[Path, int, float], str] = {}


def _sha256(path: Path) -> str:
    st = path.stat()
    key = (path, st.st_size, st.st_mtime)
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = _hash(path)
    return _SHA_CACHE[key]


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _handler(repos: HubRepos) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: nothing left open

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

        def _serve(self, *, body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            with repos.lock:
                repos.requests.append(f"{self.command} {self.path} {self.headers.get('Range')}")
            if path.startswith("/api/models/"):
                return self._api(path.removeprefix("/api/models/"), body=body)
            parts = path.lstrip("/").split("/")
            if len(parts) >= 5 and parts[2] == "resolve":
                repo_id = "/".join(parts[:2])
                return self._file(repo_id, parts[3], "/".join(parts[4:]), body=body)
            self._send(404, b'{"error": "not found"}', {"X-Error-Code": "EntryNotFound"})

        def _api(self, rest: str, *, body: bool) -> None:
            repo_id, _, revision = rest.partition("/revision/")
            if repo_id not in repos.repos:
                return self._send(404, b"{}", {"X-Error-Code": "RepoNotFound"})
            commit = repos.repos[repo_id][0]
            if revision not in ("", "main", commit):
                return self._send(404, b"{}", {"X-Error-Code": "RevisionNotFound"})
            data = json.dumps(repos.listing(repo_id)).encode()
            self._send(200, data if body else b"", {"Content-Type": "application/json"})

        def _file(self, repo_id: str, revision: str, rel: str, *, body: bool) -> None:
            if repo_id not in repos.repos:
                return self._send(404, b"", {"X-Error-Code": "RepoNotFound"})
            commit, root, known = repos.repos[repo_id]
            target = root / rel
            if revision not in ("main", commit) or not target.is_file():
                return self._send(404, b"", {"X-Error-Code": "EntryNotFound"})
            size = target.stat().st_size
            headers = {
                "X-Repo-Commit": commit,
                "ETag": f'"{_git_id(rel)}"',
                "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream",
            }
            if size > LFS_FROM:
                sha = known.get(rel) or _sha256(target)
                headers.update({"X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(size)})
            start, end, status = 0, size, 200
            wanted = self.headers.get("Range")
            if wanted and wanted.startswith("bytes="):
                lo, _, hi = wanted[6:].partition("-")
                start, end = int(lo), min(size, int(hi) + 1 if hi else size)
                status = 206
                headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
            headers["Content-Length"] = str(end - start)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if not body:
                return
            with open(target, "rb") as fh:
                fh.seek(start)
                left = end - start
                while left > 0:
                    chunk = fh.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)
                    with repos.lock:
                        repos.bytes_sent += len(chunk)

        def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler


def serve(repos: HubRepos) -> tuple[ThreadingHTTPServer, str]:
    """Start the server on a free loopback port; return it and its endpoint URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(repos))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="hub", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
