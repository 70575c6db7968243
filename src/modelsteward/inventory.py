"""Walk a model directory or file once and describe each artifact by its content.

The kind of a file is decided from its bytes (magic numbers and structure), never from its
extension alone. Hashing streams the file in large blocks. Symlinks that leave the model
directory and special files (FIFOs, devices, sockets) become findings and are never opened.
A Hugging Face cache layout (``models--org--name/snapshots/<rev>/``) is understood.
"""

from __future__ import annotations

import enum
import hashlib
import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from modelsteward.errors import UsageError
from modelsteward.findings import CheckError, Finding, Location, Report, Severity, Skipped

_BLOCK = 4 * 1024 * 1024
_HEAD = 4096
_EOCD_WINDOW = 65_557  # 22-byte end-of-central-directory record plus a 64 KiB comment
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__"})


class ArtifactKind(enum.StrEnum):
    """What a file is, judged from its content."""

    ZIP = "zip"
    TAR = "tar"
    GZIP = "gzip"
    BZ2 = "bz2"
    XZ = "xz"
    LZ4 = "lz4"
    ZLIB = "zlib"
    PICKLE = "pickle"
    NUMPY = "numpy"
    SAFETENSORS = "safetensors"
    GGUF = "gguf"
    ONNX = "onnx"
    TF_SAVED_MODEL = "tf_saved_model"
    HDF5 = "hdf5"
    JSON = "json"
    PYTHON = "python"
    TEXT = "text"
    BINARY = "binary"
    EMPTY = "empty"


COMPRESSED_KINDS = frozenset(
    {ArtifactKind.GZIP, ArtifactKind.BZ2, ArtifactKind.XZ, ArtifactKind.LZ4, ArtifactKind.ZLIB}
)
"""Single-stream compressed files (joblib writes these)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
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


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSource:
    """Where a model came from, as far as its path tells."""

    given: str
    """The path as the user gave it."""
    root: Path
    """The directory (or file) whose contents make the model."""
    boundary: Path
    """Symlinks may point anywhere below this directory (the repo dir in a HF cache)."""
    name: str | None = None
    """``org/name`` when the layout tells it (Hugging Face cache)."""
    revision: str | None = None


@dataclass(frozen=True, slots=True)
class Inventory:
    """The artifacts of one model, and what the walk itself found."""

    source: ModelSource
    artifacts: tuple[Artifact, ...]
    report: Report


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in 4 MiB blocks.

    Raises:
        OSError: when the file cannot be read.
    """
    digest = hashlib.sha256()
    buf = bytearray(_BLOCK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def sniff_kind(path: Path, size: int | None = None) -> ArtifactKind:
    """Decide what a regular file is from its first bytes and, for zips, its tail.

    Raises:
        OSError: when the file cannot be read.
    """
    if size is None:
        size = path.stat().st_size
    if size == 0:
        return ArtifactKind.EMPTY
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
        tail = b""
        if size > len(head):
            fh.seek(max(0, size - _EOCD_WINDOW))
            tail = fh.read(_EOCD_WINDOW)
    return classify_bytes(head, tail or head, size=size, name=path.name)


def classify_bytes(head: bytes, tail: bytes, *, size: int, name: str = "") -> ArtifactKind:
    """Classify content from its first bytes, last bytes and total size."""
    kind = _by_magic(head, size)
    if kind is not None:
        return kind
    if b"PK\x05\x06" in tail or b"PK\x06\x06" in tail:
        # A central directory at the end is what torch's reader trusts, even when the
        # local headers at the start were mangled.
        return ArtifactKind.ZIP
    if _looks_like_pickle(head, tail):
        return ArtifactKind.PICKLE
    proto = _protobuf_kind(head)
    if proto is not None:
        return proto
    return _text_kind(head, name)


def _by_magic(head: bytes, size: int) -> ArtifactKind | None:
    magics: tuple[tuple[bytes, ArtifactKind], ...] = (
        (b"PK\x03\x04", ArtifactKind.ZIP),
        (b"PK\x05\x06", ArtifactKind.ZIP),
        (b"\x93NUMPY", ArtifactKind.NUMPY),
        (b"GGUF", ArtifactKind.GGUF),
        (b"\x89HDF\r\n\x1a\n", ArtifactKind.HDF5),
        (b"\x1f\x8b", ArtifactKind.GZIP),
        (b"BZh", ArtifactKind.BZ2),
        (b"\xfd7zXZ\x00", ArtifactKind.XZ),
        (b"\x04\x22\x4d\x18", ArtifactKind.LZ4),
    )
    for magic, kind in magics:
        if head.startswith(magic):
            return kind
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return ArtifactKind.PICKLE
    if len(head) > 262 and head[257:262] == b"ustar":
        return ArtifactKind.TAR
    if _looks_like_safetensors(head, size):
        return ArtifactKind.SAFETENSORS
    if len(head) >= 2 and head[0] == 0x78 and head[1] in (0x01, 0x5E, 0x9C, 0xDA):
        if (head[0] << 8 | head[1]) % 31 == 0:
            return ArtifactKind.ZLIB
    return None


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 10:
        return False
    (n,) = struct.unpack_from("<Q", head, 0)
    return 2 <= n <= size - 8 and head[8:9] == b"{"


# Opcodes a protocol 0/1 pickle may start with: MARK, EMPTY_LIST/DICT/TUPLE, GLOBAL, INT,
# LONG, STRING, UNICODE, NONE, BININT*, SHORT_BINSTRING, BINUNICODE, PERSID, FLOAT.
_PICKLE_START = frozenset(b"(]})cILSVNJKMUXPFG")


def _looks_like_pickle(head: bytes, tail: bytes) -> bool:
    if not head or head[0] not in _PICKLE_START:
        return False
    if not tail.rstrip(b"\n").endswith(b"."):
        return False
    if head[0] in b"cILSVPF":
        # Text opcodes end their argument with a newline within a short distance.
        return b"\n" in head[:512]
    return True


def _protobuf_kind(head: bytes) -> ArtifactKind | None:
    """Tell ONNX ModelProto from a TensorFlow SavedModel by their top-level fields."""
    fields = _protobuf_fields(head)
    if not fields or fields[0] != (1, 0):
        return None
    numbers = {n for n, _ in fields}
    if numbers & {3, 4, 5, 6, 7, 8, 14}:
        return ArtifactKind.ONNX
    if numbers <= {1, 2} and 2 in numbers:
        return ArtifactKind.TF_SAVED_MODEL
    return None


def _protobuf_fields(data: bytes, limit: int = 16) -> list[tuple[int, int]]:
    """Parse up to ``limit`` top-level (field number, wire type) pairs; [] if not protobuf."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < len(data) and len(out) < limit:
        key, pos = _varint(data, pos)
        if key is None:
            break
        number, wire = key >> 3, key & 7
        if number == 0 or wire not in (0, 1, 2, 5):
            return []
        out.append((number, wire))
        if wire == 0:
            value, pos = _varint(data, pos)
            if value is None:
                break
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            length, pos = _varint(data, pos)
            if length is None:
                break
            pos += length
    return out


def _varint(data: bytes, pos: int) -> tuple[int | None, int]:
    result = 0
    for shift in range(0, 64, 7):
        if pos >= len(data):
            return None, pos
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
    return None, pos


def _text_kind(head: bytes, name: str) -> ArtifactKind:
    if b"\x00" in head:
        return ArtifactKind.BINARY
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed block is still text.
        if exc.start < len(head) - 4:
            return ArtifactKind.BINARY
        text = head[: exc.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        return ArtifactKind.JSON
    first = stripped.splitlines()[0] if stripped else ""
    if name.endswith(".py") or (first.startswith("#!") and "python" in first):
        return ArtifactKind.PYTHON
    return ArtifactKind.TEXT


def resolve_source(path: str | Path) -> ModelSource:
    """Understand what a user-given path is: a file, a directory, or a Hugging Face cache.

    Raises:
        UsageError: when the path does not exist.
    """
    given = str(path)
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


def walk_model(path: str | Path, *, hash_files: bool = True) -> Inventory:
    """Walk ``path`` once and describe every regular file in it.

    Raises:
        UsageError: when ``path`` does not exist, or is a file that cannot be read.
    """
    source = resolve_source(path)
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
    report = Report(tuple(findings), tuple(errors), tuple(skipped))
    return Inventory(source, tuple(artifacts), report)


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
        digest = sha256_file(target) if hash_files else None
    except OSError as exc:
        return CheckError(display, f"cannot read: {exc.strerror or exc}")
    return Artifact(
        path=target, display=display, relpath=rel, size=st.st_size, kind=kind, sha256=digest
    )
