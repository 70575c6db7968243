"""``db update``: download OSV's per-ecosystem export, verify it, and swap the index in.

OSV publishes ``<base>/<Ecosystem>/all.zip``; Google Cloud Storage sends the object's MD5
in ``x-goog-hash``, which is checked along with the length and every member's CRC.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import httpx

from modelsteward.vulns.db import IndexStats, build_index, index_file, remove_stale
from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.loader import ARCHIVE_ERRORS, MAX_RECORD_BYTES

OSV_EXPORT_URL = "https://osv-vulnerabilities.storage.googleapis.com"
"""Where OSV publishes its per-ecosystem ``all.zip`` exports."""


def update_database(
    dest: Path,
    *,
    ecosystems: Sequence[str] = ("PyPI",),
    base_url: str = OSV_EXPORT_URL,
    from_path: Path | None = None,
    timeout: float = 60.0,
    allow_shrink: bool = False,
) -> IndexStats:
    """Rebuild the index at ``dest`` from OSV (or from ``from_path``, offline).

    The old index stays in place until the new one is complete, and stays when the new one
    would hold more than 10% fewer records (unless ``allow_shrink``).

    Raises:
        VulnError: when a download fails or does not verify, the source is corrupt or holds
            no records, or the new index would shrink too much.
    """
    if from_path is not None:
        if not from_path.exists():
            raise VulnError(
                f"advisory source not found: {from_path}",
                hint="give an OSV all.zip or a directory of OSV JSON/YAML records",
            )
        return build_index(from_path, dest, label=str(from_path), allow_shrink=allow_shrink)
    work_parent = index_file(dest).parent
    work_parent.mkdir(parents=True, exist_ok=True)
    remove_stale(work_parent)
    work = Path(tempfile.mkdtemp(prefix=f".download-{os.getpid()}-", dir=work_parent))
    try:
        zips: list[Path] = []
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            for ecosystem in ecosystems:
                url = f"{base_url.rstrip('/')}/{ecosystem}/all.zip"
                target = work / f"{ecosystem.replace('/', '_')}.zip"
                _download(client, url, target)
                _verify_zip(target, url)
                zips.append(target)
        label = f"{base_url.rstrip('/')} ({', '.join(ecosystems)})"
        return build_index(zips, dest, label=label, allow_shrink=allow_shrink)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _download(client: httpx.Client, url: str, target: Path) -> None:
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise VulnError(
                    f"download of {url} failed: HTTP {response.status_code}",
                    hint="check the ecosystem name (e.g. PyPI) or use db update --from PATH",
                )
            with target.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
                    md5.update(chunk)
                    size += len(chunk)
            expected_size = response.headers.get("content-length")
            expected_md5 = _goog_md5(response.headers.get("x-goog-hash", ""))
    except httpx.HTTPError as exc:
        raise VulnError(
            f"cannot download {url}: {type(exc).__name__}",
            hint="check the network, or run 'modelsteward db update --from PATH' offline",
        ) from exc
    if expected_size is not None and int(expected_size) != size:
        raise VulnError(f"{url} was truncated ({size} of {expected_size} bytes)", hint="retry")
    if expected_md5 is not None and expected_md5 != md5.digest():
        raise VulnError(f"{url} does not match its MD5 checksum", hint="retry the download")


def _goog_md5(header: str) -> bytes | None:
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "md5" and value:
            try:
                return base64.b64decode(value)
            except ValueError:
                return None
    return None


def _verify_zip(path: Path, url: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            # Declared sizes first (cheap); the loader enforces the real ones as it inflates.
            big = [i.filename for i in archive.infolist() if i.file_size > MAX_RECORD_BYTES]
            if big:
                raise VulnError(
                    f"{url}: member {big[0]} declares {MAX_RECORD_BYTES >> 20} MiB or more",
                    hint="the export is damaged or not OSV's: retry the download",
                )
            bad = archive.testzip()
            names = archive.namelist()
    except ARCHIVE_ERRORS as exc:
        raise VulnError(f"{url} is not a valid zip: {exc}", hint="retry the download") from exc
    if bad is not None:
        raise VulnError(f"{url}: member {bad} fails its CRC check", hint="retry the download")
    if not any(n.endswith(".json") for n in names):
        raise VulnError(f"{url} holds no OSV records", hint="check the ecosystem name")
