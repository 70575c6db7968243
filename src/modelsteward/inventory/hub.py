"""Models straight from the Hugging Face Hub: ``hf://ORG/NAME[@REVISION]``.

The revision is pinned to its commit hash first. Small files (configs, cards, licenses,
tokenizers, small pickles) are fetched through ``huggingface_hub`` and its cache. Weight
files are never fetched whole to be judged: a safetensors header, a GGUF header, and a torch
zip's central directory, local headers and ``data.pkl`` are read with HTTP range requests
and laid into a sparse local copy of the file's full size, which the scanners read like any
other file. A file already in the Hugging Face cache is read from there; ``download`` fetches
every file in full and checks it against the Hub's LFS sha256. ``huggingface_hub`` finds the
endpoint (``HF_ENDPOINT``), the token and the cache in their usual places.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path

from modelsteward._records import Frozen, Record, field
from modelsteward.errors import StewardError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.inventory import ModelSource

SMALL = 8 * 1024 * 1024
"""Files up to this size are fetched whole (through the Hugging Face cache)."""
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


class HubError(StewardError):
    """The Hub (or the endpoint standing in for it) could not be reached or refused."""


class HubRef(Frozen):
    """A repository and an optional revision, as the user wrote them."""

    repo_id: str
    revision: str | None = None

    @property
    def display(self) -> str:
        """``hf://org/name[@rev]``."""
        return f"hf://{self.repo_id}" + (f"@{self.revision}" if self.revision else "")


class HubFile(Frozen):
    """What the Hub says about one file of the revision."""

    path: str
    size: int
    sha256: str | None
    """The LFS sha256 (weights); None for files kept in git, which are hashed when fetched."""


class Fetched(Record):
    """How a remote model was laid out locally, and what it cost."""

    root: Path
    commit: str
    digests: dict[str, str] = field(default_factory=dict)
    partial: set[str] = field(default_factory=set)
    """Files judged from ranges of their bytes (the rest of the local copy is a hole)."""
    bytes_fetched: int = 0
    mismatches: list[tuple[str, str, str]] = field(default_factory=list)
    """(path, expected, actual) for downloads whose sha256 disagrees with the Hub."""


def parse_hub_ref(text: str) -> HubRef | None:
    """The Hub reference in ``text`` (``hf://org/name@rev``, or ``hf:/org/name`` as ``Path``
    leaves it), or None when ``text`` is not one.

    Raises:
        UsageError: when it starts with ``hf:`` but names no valid repository.
    """
    if not text.startswith("hf:"):
        return None
    rest = text[3:].lstrip("/")
    repo, _, revision = rest.partition("@")
    repo = repo.rstrip("/")
    if not _REPO.match(repo) or ".." in repo:
        raise UsageError(
            f"not a Hub repository: {text}",
            hint="write hf://ORG/NAME or hf://ORG/NAME@REVISION",
        )
    return HubRef(repo, revision or None)


_MATERIALIZED: dict[tuple[str, str | None], Fetched] = {}


def hub_source(ref: HubRef, *, download: bool = False) -> ModelSource:
    """Fetch what judging ``ref`` needs into a local directory and describe it as a source.

    One process fetches a revision once: later calls (the license check after the scan)
    reuse it.

    Raises:
        HubError: when the Hub cannot be reached, or the repository or revision is unknown.
    """
    from modelsteward.inventory import ModelSource

    key = (ref.repo_id, ref.revision)
    fetched = _MATERIALIZED.get(key)
    if fetched is None:
        fetched = _materialize(ref, download=download)
        _MATERIALIZED[key] = fetched
    return ModelSource(
        given=ref.display,
        root=fetched.root,
        boundary=fetched.root,
        name=ref.repo_id,
        revision=fetched.commit,
        digests=tuple(sorted(fetched.digests.items())),
        partial=frozenset(fetched.partial),
        mismatches=tuple(fetched.mismatches),
        bytes_fetched=fetched.bytes_fetched,
    )


def _materialize(ref: HubRef, *, download: bool) -> Fetched:
    from modelsteward.inventory.hub_ranges import RangeReader, lay_out_headers

    commit, files = _listing(ref)
    root = Path(tempfile.mkdtemp(prefix="modelsteward-hub-"))
    atexit.register(shutil.rmtree, root, True)
    out = Fetched(root=root, commit=commit)
    reader = RangeReader(ref.repo_id, commit)
    try:
        for item in files:
            dest = _dest(root, item.path)
            if item.sha256:
                out.digests[item.path] = item.sha256
            cached = _cached(ref.repo_id, item.path, commit)
            whole = download or item.size <= SMALL or cached is not None
            if not whole and lay_out_headers(reader, item.path, item.size, dest):
                out.partial.add(item.path)
                continue
            local = cached or _download(ref.repo_id, item.path, commit, out)
            _place(Path(local), dest)
            if item.sha256 is None or download:
                from modelsteward.inventory import sha256_file

                actual = sha256_file(dest)
                if item.sha256 is not None and actual != item.sha256:
                    out.mismatches.append((item.path, item.sha256, actual))
                out.digests[item.path] = actual
    finally:
        out.bytes_fetched += reader.received
        reader.close()
    return out


def _listing(ref: HubRef) -> tuple[str, list[HubFile]]:
    from huggingface_hub import HfApi, constants
    from huggingface_hub.errors import (
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        api = HfApi(endpoint=constants.ENDPOINT)
        info = api.model_info(ref.repo_id, revision=ref.revision, files_metadata=True)
    except RevisionNotFoundError as exc:
        raise HubError(
            f"{ref.display}: no such revision", hint="check the branch, tag or commit hash"
        ) from exc
    except RepositoryNotFoundError as exc:
        raise HubError(
            f"{ref.display}: no such repository, or it is private",
            hint="check the name; for a private or gated repository log in (hf auth login) "
            "or set HF_TOKEN",
        ) from exc
    except (HfHubHTTPError, OSError) as exc:
        raise HubError(
            f"cannot read {ref.display} from the Hub: {exc}",
            hint="check the network, or set HF_ENDPOINT to a reachable mirror",
        ) from exc
    if not info.sha:
        raise HubError(f"{ref.display}: the Hub named no commit", hint="try again later")
    files = []
    for sib in info.siblings or ():
        lfs = sib.lfs
        size = sib.size if sib.size is not None else (lfs.size if lfs else 0)
        files.append(HubFile(sib.rfilename, int(size or 0), lfs.sha256 if lfs else None))
    return info.sha, files


def _dest(root: Path, rel: str) -> Path:
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise HubError(f"the Hub listed an unsafe file name: {rel!r}", hint="report the repo")
    dest = root.joinpath(*parts)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def _cached(repo_id: str, path: str, commit: str) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, path, revision=commit)
    return found if isinstance(found, str) else None


def _download(repo_id: str, path: str, commit: str, out: Fetched) -> str:
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        local = hf_hub_download(repo_id, path, revision=commit, endpoint=constants.ENDPOINT)
    except (HfHubHTTPError, OSError) as exc:
        raise HubError(
            f"cannot download {path} of {repo_id}: {exc}", hint="check the network and token"
        ) from exc
    out.bytes_fetched += Path(local).stat().st_size
    return local


def _place(local: Path, dest: Path) -> None:
    """Put a fetched file at ``dest``: a hard link into the cache when possible."""
    try:
        dest.hardlink_to(local.resolve())
    except OSError:
        shutil.copyfile(local, dest)


__all__ = ["HubError", "HubRef", "hub_source", "parse_hub_ref"]
