"""Walk a model directory or file once and describe each artifact by its content.

The kind of a file is decided from its bytes (magic numbers and structure), never from its
extension alone. Hashing streams the file in large blocks. Symlinks that leave the model
directory and special files (FIFOs, devices, sockets) become findings and are never opened.
A Hugging Face cache layout (``models--org--name/snapshots/<rev>/``) is understood.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from modelsteward._records import Frozen
from modelsteward.errors import UsageError
from modelsteward.findings import CheckError, Finding, Location, Report, Severity, Skipped
from modelsteward.inventory.kinds import (
    COMPRESSED_KINDS,
    UNREADABLE_ARCHIVES,
    ArtifactKind,
    classify_bytes,
    sniff_kind,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from io import FileIO
    from typing import Protocol

    class Hasher(Protocol):
        """What ``hashlib`` digests offer."""

        def update(self, data: memoryview, /) -> None: ...


_BLOCK = 4 * 1024 * 1024
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__"})


class Artifact(Frozen, kw_only=True):
    """One regular file of a model."""

    path: Path
    """Where to open it."""
    display: str
    """The path as the user gave it, or a path below it; used in findings."""
    relpath: str
    """The path relative to the model root, with ``/`` separators."""
    size: int
    kind: ArtifactKind
    sha256: str | None = None
    """Hex digest, or None when hashing was not asked for."""

    def location(self, *, member: str | None = None, offset: int | None = None) -> Location:
        """A finding location inside this artifact."""
        return Location(path=self.display, member=member, offset=offset)


class ModelSource(Frozen, kw_only=True):
    """Where a model came from, as far as its path tells."""

    given: str
    """The path as the user gave it."""
    root: Path
    """The directory (or file) whose contents make the model."""
    boundary: Path
    """Symlinks may point anywhere below this directory (the repo dir in a HF cache)."""
    name: str | None = None
    """``org/name`` when the layout tells it (Hugging Face cache, Hub)."""
    revision: str | None = None
    """The commit hash, when known (a Hub revision is always pinned to one)."""
    digests: tuple[tuple[str, str], ...] = ()
    """(relpath, sha256) the source vouches for (the Hub's LFS metadata); not re-hashed."""
    partial: frozenset[str] = frozenset()
    """Files judged from ranges of their bytes (Hub weights): the rest is a hole."""
    mismatches: tuple[tuple[str, str, str], ...] = ()
    """(relpath, listed sha256, actual sha256) of Hub downloads that disagree."""
    bytes_fetched: int = 0
    """Bytes fetched from the Hub to judge this source (0 when local)."""


class Inventory(Frozen):
    """The artifacts of one model, and what the walk itself found."""

    source: ModelSource
    artifacts: tuple[Artifact, ...]
    report: Report


_PROBE_BLOCKS = 4
"""Blocks read and hashed in turn before ``sha256_file`` decides whether to overlap."""
_OVERLAP_READ_SHARE = 0.5
"""Overlap reading with hashing when reading took more than this share of the hashing time."""


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in 4 MiB blocks.

    The first blocks are read and hashed in turn, timing both. When reading costs much less
    than hashing (the page cache, a fast disk), it goes on that way: a second thread would
    only compete with the hash for the CPU. When reading is slow (a cold file on a slow
    disk), a second thread reads the rest while this one hashes (both release the GIL), so
    the file hashes at disk speed instead of disk time plus hash time.

    Raises:
        OSError: when the file cannot be read.
    """
    import hashlib
    from time import perf_counter

    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        buf = bytearray(_BLOCK)
        view = memoryview(buf)
        read_s = hash_s = 0.0
        for _ in range(_PROBE_BLOCKS):  # timed
            started = perf_counter()
            n = fh.readinto(buf)
            read_at = perf_counter()
            if not n:
                return digest.hexdigest()
            digest.update(view[:n])
            read_s += read_at - started
            hash_s += perf_counter() - read_at
        if read_s > _OVERLAP_READ_SHARE * hash_s:
            _hash_overlapped(fh, digest)
        else:
            while n := fh.readinto(buf):
                digest.update(view[:n])
    return digest.hexdigest()


def _hash_overlapped(fh: FileIO, digest: Hasher) -> None:
    """Feed ``digest`` from ``fh`` while a reader thread fills the next blocks."""
    import queue
    import threading

    free: queue.Queue[bytearray] = queue.Queue()
    full: queue.Queue[tuple[bytearray, int] | BaseException | None] = queue.Queue()
    for _ in range(3):
        free.put(bytearray(_BLOCK))
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                buf = free.get()
                n = fh.readinto(buf)
                if not n:
                    break
                full.put((buf, n))
        except BaseException as exc:  # handed to the hashing thread, which raises it
            full.put(exc)
            return
        full.put(None)

    thread = threading.Thread(target=reader, name="sha256-reader", daemon=True)
    thread.start()
    try:
        while (item := full.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            buf, n = item
            digest.update(memoryview(buf)[:n])
            free.put(buf)
    finally:
        stop.set()
        free.put(bytearray(0))  # wake the reader if it waits for a buffer
        thread.join()


def resolve_source(path: str | Path, *, download: bool = False) -> ModelSource:
    """Understand what a user-given path is: a file, a directory, a Hugging Face cache, or
    ``hf://ORG/NAME[@REVISION]`` (fetched as :mod:`.hub` describes; ``download`` fetches
    every file in full).

    Raises:
        UsageError: when the path does not exist.
        HubError: when a Hub repository cannot be read.
    """
    given = str(path)
    if given.startswith("hf:"):
        from modelsteward.inventory.hub import hub_source, parse_hub_ref

        ref = parse_hub_ref(given)
        if ref is not None:
            return hub_source(ref, download=download)
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise UsageError(
            f"no such file or directory: {given}", hint="check the path, or list it with ls"
        )
    absolute = Path(os.path.abspath(p))
    name: str | None = None
    revision: str | None = None
    boundary = absolute if absolute.is_dir() else absolute.parent
    root = absolute
    repo_dir = _hf_repo_dir(absolute)
    if repo_dir is not None:
        boundary = repo_dir
        name = repo_dir.name.split("--", 1)[1].replace("--", "/")
        if absolute == repo_dir:
            root, revision = _hf_snapshot(repo_dir)
        else:
            rel = absolute.relative_to(repo_dir).parts
            revision = rel[1] if len(rel) >= 2 and rel[0] == "snapshots" else None
    return ModelSource(given=given, root=root, boundary=boundary, name=name, revision=revision)


def _hf_repo_dir(path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        if candidate.name.startswith(("models--", "datasets--")) and "--" in candidate.name[8:]:
            if (candidate / "snapshots").is_dir():
                return candidate
    return None


def _hf_snapshot(repo_dir: Path) -> tuple[Path, str | None]:
    ref = repo_dir / "refs" / "main"
    if ref.is_file():
        rev = ref.read_text(encoding="utf-8").strip()
        if (repo_dir / "snapshots" / rev).is_dir():
            return repo_dir / "snapshots" / rev, rev
    snapshots = sorted(p for p in (repo_dir / "snapshots").iterdir() if p.is_dir())
    if not snapshots:
        raise UsageError(
            f"Hugging Face cache {repo_dir} has no snapshot",
            hint="download the model again, or point at a snapshots/<rev> directory",
        )
    newest = max(snapshots, key=lambda p: p.stat().st_mtime)
    return newest, newest.name


def walk_model(path: str | Path, *, hash_files: bool = True, download: bool = False) -> Inventory:
    """Walk ``path`` once and describe every regular file in it (``download``: for a Hub
    repository, fetch every file in full).

    Raises:
        UsageError: when ``path`` does not exist, or is a file that cannot be read.
        HubError: when a Hub repository cannot be read.
    """
    source = resolve_source(path, download=download)
    artifacts: list[Artifact] = []
    findings: list[Finding] = []
    errors: list[CheckError] = []
    skipped: list[Skipped] = []
    if source.root.is_file() and not source.root.is_symlink():
        if not os.access(source.root, os.R_OK):
            raise UsageError(
                f"cannot read {source.given}: permission denied",
                hint="check the file's permissions, or run as a user who can read it",
            )
    single_file = not source.root.is_dir()
    for entry, display, rel in _entries(source, skipped):
        item = _describe(entry, display, rel, source, hash_files=hash_files)
        if single_file and isinstance(item, CheckError):
            raise UsageError(
                f"cannot read {source.given}: {item.message.removeprefix('cannot read: ')}",
                hint="check that the file exists and is readable",
            )
        if isinstance(item, Artifact):
            artifacts.append(item)
        elif isinstance(item, Finding):
            findings.append(item)
        else:
            errors.append(item)
    findings.extend(_hub_findings(source))
    if not single_file and not artifacts and not findings and not errors:
        findings.append(
            Finding(
                rule_id="inventory.empty",
                severity=Severity.HIGH,
                message="The model directory holds no files: there is nothing to verify.",
                location=Location(path=source.given),
                evidence="0 files",
            )
        )
    report = Report(tuple(findings), tuple(errors), tuple(skipped))
    return Inventory(source, tuple(artifacts), report)


def _hub_findings(source: ModelSource) -> list[Finding]:
    return [
        Finding(
            rule_id="inventory.hub.sha256-mismatch",
            severity=Severity.HIGH,
            message="The downloaded file's sha256 differs from the one the Hub lists for it.",
            location=Location(path=_join(source.given, rel)),
            evidence=f"expected {expected}, got {actual}",
        )
        for rel, expected, actual in source.mismatches
    ]


def _entries(source: ModelSource, skipped: list[Skipped]) -> Iterator[tuple[Path, str, str]]:
    root = source.root
    given = source.given
    if not root.is_dir():
        yield root, given, root.name
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            full = here / d
            rel = full.relative_to(root).as_posix()
            if d in _SKIP_DIRS:
                skipped.append(Skipped(_join(given, rel), "version-control or cache directory"))
            elif full.is_symlink():
                # os.walk does not descend into symlinked directories; judge the link itself.
                yield full, _join(given, rel), rel
            else:
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            full = here / f
            rel = full.relative_to(root).as_posix()
            yield full, _join(given, rel), rel


def _join(given: str, rel: str) -> str:
    return given.rstrip("/") + "/" + rel


def _describe(
    entry: Path, display: str, rel: str, source: ModelSource, *, hash_files: bool
) -> Artifact | Finding | CheckError:
    try:
        st = entry.lstat()
        target = entry
        if stat.S_ISLNK(st.st_mode):
            resolved = Path(os.path.realpath(entry))
            if not resolved.is_relative_to(source.boundary):
                return Finding(
                    rule_id="inventory.symlink.escape",
                    severity=Severity.HIGH,
                    message="A symlink points outside the model directory; it was not followed.",
                    location=Location(path=display),
                    evidence=os.readlink(entry),
                )
            if resolved.is_dir():
                return CheckError(display, "symlinked directory inside the model; not followed")
            target = resolved
            st = resolved.stat()
        if not stat.S_ISREG(st.st_mode):
            return Finding(
                rule_id="inventory.special-file",
                severity=Severity.HIGH,
                message="A special file (FIFO, device or socket) is part of the model; "
                "it was not opened.",
                location=Location(path=display),
                evidence=stat.filemode(st.st_mode),
            )
        kind = sniff_kind(target, st.st_size)
        vouched = dict(source.digests).get(rel)
        digest = vouched or (sha256_file(target) if hash_files else None)
    except OSError as exc:
        return CheckError(display, f"cannot read: {exc.strerror or exc}")
    return Artifact(
        path=target, display=display, relpath=rel, size=st.st_size, kind=kind, sha256=digest
    )


__all__ = [
    "COMPRESSED_KINDS",
    "UNREADABLE_ARCHIVES",
    "Artifact",
    "ArtifactKind",
    "Inventory",
    "ModelSource",
    "classify_bytes",
    "resolve_source",
    "sha256_file",
    "sniff_kind",
    "walk_model",
]
