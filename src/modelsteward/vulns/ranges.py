"""Whether one version falls in one OSV ``affected`` entry, under PEP 440 ordering.

The evaluation follows the OSV schema's reference algorithm: events are sorted by version,
``introduced`` opens an affected interval (inclusive), ``fixed`` closes it (exclusive),
``last_affected`` closes it after that version (inclusive), and ``limit`` events cap the
range from above. Local version labels (``2.3.0+cu121``) are compared by their public part:
a local build of 2.3.0 carries the same code, and the same fixes, as 2.3.0.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from modelsteward.vulns.osv import Affected, Event, EventKind, RangeType, VersionRange

_ORDER = {
    EventKind.INTRODUCED: 0,
    EventKind.FIXED: 1,
    EventKind.LAST_AFFECTED: 2,
    EventKind.LIMIT: 3,
}
_ZERO = Version("0")


@functools.lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when ``text`` is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


@functools.lru_cache(maxsize=65536)
def public_version(text: str) -> Version | None:
    """The version without its local label, or None when ``text`` is not PEP 440."""
    parsed = parse_version(text)
    if parsed is None or parsed.local is None:
        return parsed
    return Version(parsed.public)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one version against one ``affected`` entry."""

    affected: bool
    fixed_in: tuple[str, ...] = ()
    """The ``fixed`` versions that close the interval holding the version."""
    ambiguous: str = ""
    """Why the entry cannot be evaluated (invalid PEP 440 event, no versions at all)."""


def evaluate(entry: Affected, version: str) -> Verdict:
    """Whether ``version`` of the entry's package is affected.

    An entry whose applicable range holds an event that is not PEP 440, or which lists
    neither ranges nor versions, gives an ``ambiguous`` verdict unless an exact ``versions``
    match already decides it.
    """
    installed = public_version(version)
    if _listed(entry, version, installed):
        fixed = _fixed_for(entry.ranges, installed) if installed is not None else []
        return Verdict(True, tuple(fixed))
    if installed is None:
        return Verdict(False, ambiguous=f"installed version {version!r} is not PEP 440")
    problems: list[str] = []
    for item in entry.ranges:
        if item.type is RangeType.GIT:
            continue
        bad = [e.value for e in item.events if not _valid(e.kind, e.value)]
        if bad:
            problems.append(f"{item.type.value} event {bad[0]!r} is not a PEP 440 version")
            continue
        hit, closing = _in_range(item, installed)
        if hit:
            return Verdict(True, tuple(closing) or tuple(_fixed_for(entry.ranges, installed)))
        if _closes_twice(item) and _in_range(_last_closings(item), installed)[0]:
            problems.append(
                f"{item.type.value} range closes twice without reopening; its later bound "
                f"would include {version}"
            )
    if problems:
        return Verdict(False, ambiguous="; ".join(problems))
    if not entry.ranges and not entry.versions:
        return Verdict(False, ambiguous="the record lists no affected ranges or versions")
    return Verdict(False)


def _valid(kind: EventKind, value: str) -> bool:
    if kind is EventKind.INTRODUCED and value == "0":
        return True
    if kind is EventKind.LIMIT and value == "*":
        return True
    return parse_version(value) is not None


def _listed(entry: Affected, raw: str, installed: Version | None) -> bool:
    """Whether the version is in the entry's ``versions`` list.

    The lists hold the version strings as published, so a set lookup of the given and the
    public spelling decides almost always; an entry with no ranges at all (its list is the
    only evidence) is also compared under PEP 440 equality, item by item.
    """
    if raw in entry.listed:
        return True
    if installed is None:
        return False
    if str(installed) in entry.listed:
        return True
    if entry.ranges or not entry.listed:
        return False
    return any(public_version(listed) == installed for listed in entry.versions)


def _key(kind: EventKind, value: str) -> tuple[Version, int]:
    if kind is EventKind.INTRODUCED and value == "0":
        return (_ZERO, -1)
    parsed = parse_version(value)
    assert parsed is not None
    return (parsed, _ORDER[kind])


def _in_range(item: VersionRange, installed: Version) -> tuple[bool, list[str]]:
    """Evaluate one range whose events are all valid; return (affected, closing fixes)."""
    limits = [e.value for e in item.events if e.kind is EventKind.LIMIT]
    if limits and "*" not in limits:
        versions = [parse_version(v) for v in limits]
        if not any(v is not None and installed < v for v in versions):
            return False, []
    ordered = sorted(
        (e for e in item.events if e.kind is not EventKind.LIMIT),
        key=lambda e: _key(e.kind, e.value),
    )
    affected = False
    closing: list[str] = []
    for event in ordered:
        bound = _key(event.kind, event.value)[0]
        if event.kind is EventKind.INTRODUCED:
            if event.value == "0" or installed >= bound:
                affected = True
        elif event.kind is EventKind.FIXED:
            if installed >= bound:
                affected = False
            elif affected and not closing:
                closing.append(event.value)
        elif event.kind is EventKind.LAST_AFFECTED and installed > bound:
            affected = False
    return affected, closing if affected else []


_CLOSING = (EventKind.FIXED, EventKind.LAST_AFFECTED)


def _sorted_events(item: VersionRange) -> list[Event]:
    events = [e for e in item.events if e.kind is not EventKind.LIMIT]
    return sorted(events, key=lambda e: _key(e.kind, e.value))


def _closes_twice(item: VersionRange) -> bool:
    """Whether two ``fixed``/``last_affected`` events follow each other with no
    ``introduced`` between (records converted from version lists look like this)."""
    ordered = _sorted_events(item)
    return any(a.kind in _CLOSING and b.kind in _CLOSING for a, b in itertools.pairwise(ordered))


def _last_closings(item: VersionRange) -> VersionRange:
    """The range with each run of closing events reduced to its last (highest) one."""
    ordered = _sorted_events(item)
    kept = [
        e
        for i, e in enumerate(ordered)
        if e.kind not in _CLOSING or i + 1 == len(ordered) or ordered[i + 1].kind not in _CLOSING
    ]
    limits = tuple(e for e in item.events if e.kind is EventKind.LIMIT)
    return VersionRange(item.type, (*kept, *limits))


def _fixed_for(ranges: tuple[VersionRange, ...], installed: Version) -> list[str]:
    """The smallest ``fixed`` above ``installed`` in each evaluable range."""
    out: list[str] = []
    for item in ranges:
        if item.type is RangeType.GIT:
            continue
        above = [
            (v, e.value)
            for e in item.events
            if e.kind is EventKind.FIXED
            and (v := parse_version(e.value)) is not None
            and v > installed
        ]
        if above:
            out.append(min(above)[1])
    return out
