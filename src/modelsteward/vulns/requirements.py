"""pip requirements files and ``pip freeze`` output: pins, hashes, ``-r`` includes, markers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement

from modelsteward.findings import Skipped
from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.package import Package

_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION_ARG = re.compile(r"\s--?hash[=\s]\S+")
_INCLUDE = re.compile(r"^(-r|--requirement)(=|\s+)(?P<path>\S+)$")
_IGNORED = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-index",
    "--pre",
    "--trusted-host",
    "--prefer-binary",
    "--only-binary",
    "--no-binary",
    "--use-feature",
    "--require-hashes",
    "-c",
    "--constraint",
)
_MAX_DEPTH = 20
_SIMPLE_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*===?\s*"
    r"(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$"
)


def pinned_version(req: Requirement) -> str | None:
    """The exact version of ``name==X`` / ``name===X`` (no wildcard), else None."""
    specs = list(req.specifier)
    if len(specs) != 1 or specs[0].operator not in ("==", "===") or "*" in specs[0].version:
        return None
    return specs[0].version


def read_requirements(path: Path, *, _depth: int = 0) -> tuple[list[Package], list[Skipped]]:
    """Read a requirements file; follow ``-r`` includes relative to the including file.

    Requirements whose environment markers are false here are left out; requirements without
    an exact pin, editable installs and URLs are returned as skipped.

    Raises:
        VulnError: when a line is not a requirement, or an include is missing or cyclic.
    """
    if _depth > _MAX_DEPTH:
        raise VulnError(f"-r includes nest too deep at {path}", hint="check for an include cycle")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VulnError(f"cannot read {path}: {exc}", hint="give a readable text file") from exc
    packages: list[Package] = []
    skipped: list[Skipped] = []
    for number, line in _logical_lines(text):
        where = f"{path}:{number}"
        include = _INCLUDE.match(line)
        if include:
            inner = (path.parent / include.group("path")).resolve()
            more, more_skipped = read_requirements(inner, _depth=_depth + 1)
            packages.extend(more)
            skipped.extend(more_skipped)
            continue
        if line.startswith(("-e", "--editable")):
            skipped.append(Skipped(where, "editable install: no released version to match"))
            continue
        if line.startswith("-"):
            if line.split()[0].split("=")[0] in _IGNORED:
                continue
            raise VulnError(f"unknown option at {where}: {line}", hint="remove the option")
        _requirement(line, where, str(path), packages, skipped)
    return packages, skipped


def _requirement(
    line: str, where: str, source: str, packages: list[Package], skipped: list[Skipped]
) -> None:
    simple = _SIMPLE_PIN.match(line)
    if simple is not None:
        # The common ``name==version`` line needs no full PEP 508 parse.
        packages.append(Package(simple["name"], simple["version"], source))
        return
    try:
        req = Requirement(line)
    except InvalidRequirement as exc:
        raise VulnError(
            f"not a requirement at {where}: {line!r}",
            hint="give a requirements file, pip freeze output, or a supported lock file",
        ) from exc
    try:
        if req.marker is not None and not req.marker.evaluate():
            return
    except UndefinedEnvironmentName:
        pass  # a marker naming something this interpreter lacks: keep the requirement
    if req.url:
        skipped.append(Skipped(where, f"{req.name} comes from a URL, not a released version"))
        return
    version = pinned_version(req)
    if version is None:
        skipped.append(Skipped(where, f"{req.name} is not pinned to one version ({req.specifier})"))
        return
    packages.append(Package(req.name, version, source))


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, line) with continuations joined, comments and hashes gone."""
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        line = _COMMENT.sub("", raw)
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        whole = _OPTION_ARG.sub("", f" {buffer}{line} ").strip()
        buffer = ""
        if whole:
            yield start, whole
    if buffer.strip():
        yield start, _OPTION_ARG.sub("", f" {buffer} ").strip()
