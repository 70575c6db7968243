"""OSV records (https://ossf.github.io/osv-schema/) parsed once into frozen domain values.

Only the fields that matching, severity and reporting need are kept; everything else in a
record is dropped at this boundary.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from modelsteward.vulns.errors import VulnError

_NAME_SEPARATORS = re.compile(r"[-_.]+")


@functools.lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """The PEP 503 form of a package name: lowercase, runs of ``-_.`` become one ``-``."""
    return _NAME_SEPARATORS.sub("-", name.strip()).lower()


class RangeType(enum.StrEnum):
    """The OSV range types."""

    ECOSYSTEM = "ECOSYSTEM"
    SEMVER = "SEMVER"
    GIT = "GIT"


class EventKind(enum.StrEnum):
    """The OSV range events."""

    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


_RANGE_TYPES = {t.value: t for t in RangeType}
_KINDS = {k.value: k for k in EventKind}


class Event(NamedTuple):
    """One event of a range: ``introduced: 0``, ``fixed: 2.3.1``...

    A named tuple rather than a dataclass: thousands are built per query.
    """

    kind: EventKind
    value: str


class VersionRange(NamedTuple):
    """A range of affected versions, as a list of events."""

    type: RangeType
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Affected:
    """One ``affected`` entry: a package in an ecosystem with its ranges and exact versions."""

    ecosystem: str
    name: str
    """The PEP 503 normalised package name."""
    ranges: tuple[VersionRange, ...] = ()
    versions: tuple[str, ...] = ()
    listed: frozenset[str] = frozenset()
    """``versions`` as a set, for constant-time exact lookups."""


@dataclass(frozen=True, slots=True)
class SeverityScore:
    """A severity entry: ``CVSS_V3`` with its vector, or a textual rating."""

    type: str
    score: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Advisory:
    """One OSV record, reduced to what modelsteward uses."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    published: str = ""
    modified: str = ""
    withdrawn: str = ""
    """The RFC 3339 time it was withdrawn, or empty when it stands."""
    severity: tuple[SeverityScore, ...] = ()
    rating: str = ""
    """The record's own severity word (``database_specific.severity``), when any."""
    affected: tuple[Affected, ...] = ()
    references: tuple[str, ...] = ()
    scored: tuple[int, float | None, str, str] | None = None
    """The rating computed when the index was built: (severity, score, method, vector)."""

    def to_json(self) -> str:
        """A compact JSON form, read back by :func:`advisory_from_json`."""
        body: dict[str, Any] = {
            "id": self.id,
            "a": list(self.aliases),
            "s": self.summary,
            "p": self.published,
            "m": self.modified,
            "w": self.withdrawn,
            "v": [[s.type, s.score] for s in self.severity],
            "r": self.rating,
            "f": [_affected_to_json(a) for a in self.affected],
            "u": list(self.references),
            "R": list(self.scored) if self.scored is not None else None,
        }
        return json.dumps(body, separators=(",", ":"))


def _affected_to_json(entry: Affected) -> list[Any]:
    # GIT events are commit hashes that version matching never reads; the range stays as a
    # marker that the entry has ranges.
    ranges = [
        [
            r.type.value,
            [] if r.type is RangeType.GIT else [[e.kind.value, e.value] for e in r.events],
        ]
        for r in entry.ranges
    ]
    # One space-joined string decodes much faster than a list of hundreds of strings.
    return [entry.ecosystem, entry.name, ranges, " ".join(entry.versions)]


def advisory_from_json(text: str) -> Advisory:
    """Read back the compact form written by :meth:`Advisory.to_json`."""
    body = json.loads(text)
    affected = []
    for eco, name, ranges, joined in body["f"]:
        versions = tuple(joined.split())
        affected.append(
            Affected(
                ecosystem=eco,
                name=name,
                ranges=tuple(
                    [
                        VersionRange(
                            _RANGE_TYPES[kind], tuple([Event(_KINDS[k], v) for k, v in ev])
                        )
                        for kind, ev in ranges
                    ]
                ),
                versions=versions,
                listed=frozenset(versions),
            )
        )
    return Advisory(
        id=body["id"],
        aliases=tuple(body["a"]),
        summary=body["s"],
        published=body["p"],
        modified=body["m"],
        withdrawn=body["w"],
        severity=tuple(SeverityScore(t, s) for t, s in body["v"]),
        rating=body["r"],
        affected=tuple(affected),
        references=tuple(body["u"]),
        scored=tuple(body["R"]) if body.get("R") else None,
    )


def parse_advisory(record: Mapping[str, Any], *, origin: str = "") -> Advisory:
    """Convert one OSV record (parsed JSON or YAML) into an :class:`Advisory`.

    Raises:
        VulnError: when the record has no ``id`` or its fields have the wrong types.
    """
    try:
        return _parse(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        where = f" in {origin}" if origin else ""
        raise VulnError(
            f"malformed OSV record{where}: {exc!r}",
            hint="the file is not an OSV record (https://ossf.github.io/osv-schema/)",
        ) from exc


def _parse(record: Mapping[str, Any]) -> Advisory:
    advisory_id = str(record["id"])
    summary = str(record.get("summary") or "").strip()
    if not summary:
        details = str(record.get("details") or "").strip()
        summary = details.split("\n", 1)[0]
    db_specific = record.get("database_specific") or {}
    rating = str(db_specific.get("severity") or "") if isinstance(db_specific, dict) else ""
    return Advisory(
        id=advisory_id,
        aliases=tuple(str(a) for a in record.get("aliases") or ()),
        summary=summary,
        published=_text(record.get("published")),
        modified=_text(record.get("modified")),
        withdrawn=_text(record.get("withdrawn")),
        severity=tuple(
            SeverityScore(str(s["type"]), str(s["score"])) for s in record.get("severity") or ()
        ),
        rating=rating,
        affected=tuple(_parse_affected(a) for a in record.get("affected") or ()),
        references=tuple(str(r["url"]) for r in record.get("references") or () if "url" in r),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        # YAML loaders turn RFC 3339 strings into datetimes.
        return str(value.isoformat())
    return str(value)


def _parse_affected(entry: Mapping[str, Any]) -> Affected:
    package = entry.get("package") or {}
    ranges: list[VersionRange] = []
    for item in entry.get("ranges") or ():
        try:
            kind = RangeType(str(item["type"]))
        except ValueError:
            continue  # an unknown range type cannot be evaluated; the versions list still can
        events = tuple(
            Event(EventKind(key), str(value))
            for event in item.get("events") or ()
            for key, value in event.items()
            if key in EventKind._value2member_map_
        )
        ranges.append(VersionRange(kind, events))
    versions = tuple(str(v) for v in entry.get("versions") or ())
    return Affected(
        ecosystem=str(package.get("ecosystem") or ""),
        name=normalize_name(str(package.get("name") or "")),
        ranges=tuple(ranges),
        versions=versions,
        listed=frozenset(versions),
    )
