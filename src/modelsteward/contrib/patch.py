"""An outgoing contribution as data: its commits (with their trailers) and, per file, the lines
it adds and whether it is binary. Read from a ``git format-patch`` mbox, a plain unified diff,
or a range of a local git repository.

Parsing is one pass over the lines, bounded by ``MAX_PATCH_BYTES``; every line is read once.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from modelsteward.errors import StewardError, UsageError

MAX_PATCH_BYTES = 64 * 1024 * 1024
"""The largest patch read; a bigger one is refused, never read in part."""
GIT_TIMEOUT_S = 60.0

_FROM = re.compile(r"^From [0-9a-f]{7,64} ")
_AUTHOR = re.compile(r"^From: (.*)$")
_SUBJECT = re.compile(r"^Subject: (?:\[[^\]]{0,100}\] )?(.*)$")
_DIFF = re.compile(r"^diff --git a/(.+?) b/(.+)$")
_PLUS_FILE = re.compile(r"^\+\+\+ (?:b/)?(.+?)\t?$")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_LITERAL = re.compile(r"^(?:literal|delta) (\d+)$")
_SIGNED = re.compile(r"^Signed-off-by: (.+?) <([^<>\s]+)>\s*$", re.MULTILINE)


class PatchError(StewardError):
    """A patch or repository range cannot be read."""


@dataclass(slots=True)
class FileChange:
    """One file the contribution touches."""

    path: str
    added: list[tuple[int, str]] = field(default_factory=list)
    """(line number in the new file, text) of every added line."""
    removed: int = 0
    new_file: bool = False
    deleted: bool = False
    binary: bool = False
    binary_size: int | None = None
    """Bytes of a binary file, when the patch or the repository tells."""

    @property
    def added_text(self) -> str:
        """The added lines joined with newlines."""
        return "\n".join(text for _, text in self.added)


@dataclass(slots=True)
class Commit:
    """One commit of a format-patch series."""

    sha: str
    author: str
    subject: str
    body: str = ""

    @property
    def sign_offs(self) -> list[tuple[str, str]]:
        """(name, email) of every ``Signed-off-by`` trailer."""
        return [(m.group(1).strip(), m.group(2).lower()) for m in _SIGNED.finditer(self.body)]

    @property
    def author_email(self) -> str:
        """The author's email address, lowercase."""
        match = re.search(r"<([^<>\s]+)>", self.author)
        return match.group(1).lower() if match else ""


@dataclass(slots=True)
class Patch:
    """A whole contribution."""

    source: str
    commits: list[Commit]
    files: list[FileChange]
    digest: str
    """SHA-256 of the file changes alone (paths, hunks, binary markers): what an approval
    binds to. Commit dates and messages do not change it; any changed line does."""

    @property
    def lines_changed(self) -> int:
        """Added plus removed lines (a binary file counts as one)."""
        return sum(len(f.added) + f.removed + (1 if f.binary else 0) for f in self.files)


def parse_patch(text: str, source: str = "patch") -> Patch:
    """Parse a format-patch mbox or a unified diff.

    Raises:
        PatchError: when the text holds no file change.
    """
    commits: list[Commit] = []
    files: list[FileChange] = []
    digest = hashlib.sha256()
    current: Commit | None = None
    in_header: bool | None = False
    body: list[str] = []
    change: FileChange | None = None
    new_line = 0
    in_binary = in_hunks = False
    for raw in text.splitlines():
        if _FROM.match(raw):
            if current is not None:
                current.body = "\n".join(body)
            current = Commit(sha=raw.split()[1], author="", subject="")
            commits.append(current)
            in_header, body, change = True, [], None
            continue
        if current is not None and change is None and not raw.startswith("diff --git "):
            if in_header:
                if m := _AUTHOR.match(raw):
                    current.author = m.group(1)
                elif m := _SUBJECT.match(raw):
                    current.subject = m.group(1)
                elif raw == "":
                    in_header = False
            elif raw == "---":
                in_header = None  # the diffstat follows: the message is over
            elif in_header is not None:
                body.append(raw)
            continue
        if m := _DIFF.match(raw):
            change = FileChange(path=m.group(2))
            files.append(change)
            digest.update(raw.encode("utf-8", "surrogateescape") + b"\n")
            new_line, in_binary, in_hunks = 0, False, False
            continue
        if change is None:
            if raw.startswith("--- ") or (raw.startswith("+++ ") and not files):
                # A plain unified diff without "diff --git" lines.
                if raw.startswith("+++ ") and (m := _PLUS_FILE.match(raw)):
                    change = FileChange(path=m.group(1))
                    files.append(change)
                    digest.update(raw.encode("utf-8", "surrogateescape") + b"\n")
                    in_hunks = False
            continue
        if raw == "-- ":
            change = None  # the format-patch signature separator ends the last file
            continue
        digest.update(raw.encode("utf-8", "surrogateescape") + b"\n")
        if in_hunks:
            if m := _HUNK.match(raw):
                new_line = int(m.group(1))
            elif raw.startswith("+"):
                change.added.append((new_line, raw[1:]))
                new_line += 1
            elif raw.startswith("-"):
                change.removed += 1
            elif raw.startswith(" ") or raw == "":
                new_line += 1
            continue
        if raw.startswith("new file mode"):
            change.new_file = True
        elif raw.startswith("deleted file mode"):
            change.deleted = True
        elif raw.startswith("Binary files ") or raw == "GIT binary patch":
            change.binary = True
            in_binary = raw == "GIT binary patch"
        elif in_binary:
            if (m := _LITERAL.match(raw)) and change.binary_size is None:
                change.binary_size = int(m.group(1))
        elif raw.startswith("+++ "):
            if (m := _PLUS_FILE.match(raw)) and m.group(1) != "/dev/null":
                change.path = m.group(1)
        elif m := _HUNK.match(raw):
            new_line = int(m.group(1))
            in_hunks = True
    if current is not None and not current.body:
        current.body = "\n".join(body)
    if not files:
        raise PatchError(
            f"{source} holds no file change",
            hint="give the output of `git format-patch --stdout A..B` or `git diff`",
        )
    return Patch(source=source, commits=commits, files=files, digest=digest.hexdigest())


def read_patch(path: Path) -> Patch:
    """Read and parse a patch file.

    Raises:
        UsageError: when the file cannot be read or is too large.
        PatchError: when it holds no change.
    """
    try:
        size = path.stat().st_size
        if size > MAX_PATCH_BYTES:
            raise UsageError(
                f"{path} is {size:,} bytes; patches over {MAX_PATCH_BYTES:,} are not read",
                hint="split the contribution into smaller patches",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read patch {path}: {exc.strerror or exc}",
            hint="give a patch file made with `git format-patch --stdout`",
        ) from None
    return parse_patch(data.decode("utf-8", "surrogateescape"), str(path))


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError("git is not installed", hint="install git to read a repository") from None
    except subprocess.TimeoutExpired:
        raise PatchError(
            f"git {' '.join(args[:2])} took over {GIT_TIMEOUT_S:g} s",
            hint="give a smaller range",
        ) from None
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise PatchError(
            f"git {' '.join(args[:2])} failed in {repo}: {first[0] if first else 'no message'}",
            hint="check --repo and --range (for example main..my-fix)",
        )
    if len(done.stdout) > MAX_PATCH_BYTES:
        raise PatchError(
            f"the range is over {MAX_PATCH_BYTES:,} bytes of patch",
            hint="split the contribution into smaller ranges",
        )
    return done.stdout.decode("utf-8", "surrogateescape")


def read_range(repo: Path, revisions: str) -> Patch:
    """The commits of ``revisions`` (``A..B``) in ``repo`` as one patch series, with the
    sizes of binary files read from the repository.

    Raises:
        UsageError: when git is missing or the range is not ``A..B``.
        PatchError: when git fails or the range holds no change.
    """
    if ".." not in revisions or revisions.startswith("-"):
        raise UsageError(
            f"--range {revisions!r} is not A..B", hint="write for example --range main..my-fix"
        )
    text = _git(repo, "format-patch", "--stdout", "--no-signature", "--no-color", revisions)
    patch = parse_patch(text, f"{repo}@{revisions}")
    head = revisions.split("..", 1)[1].lstrip(".") or "HEAD"
    for change in patch.files:
        if change.binary and change.binary_size is None and not change.deleted:
            size = _git(repo, "cat-file", "-s", f"{head}:{change.path}").strip()
            change.binary_size = int(size) if size.isdigit() else None
    return patch
