"""The license knowledge base: structured facts and text fingerprints, loaded once.

``data/kb.json`` is built by ``scripts/build_license_kb.py`` from ``data/facts.yaml`` and the
license corpus. It holds no license texts: per document a SHA-256, one hash per word and the
section each word falls in; per fact the sentence that states it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from modelsteward.licenses.normalize import shingles


class Effect(enum.StrEnum):
    """What a term does to a decision when it applies."""

    PROHIBIT = "prohibit"
    SEPARATE_LICENSE = "separate_license"
    OBLIGATION = "obligation"
    INFO = "info"


@dataclass(frozen=True, slots=True, kw_only=True)
class Term:
    """One fact of a license, with the section and sentence that state it."""

    kind: str
    """``mau_threshold``, ``non_commercial``, ``naming``... (see data/facts.yaml)."""
    effect: Effect
    section: str
    text: str
    """The term in plain words."""
    doc: str = "license"
    """Which document states it: ``license`` or ``policy``."""
    when: tuple[str, ...] = ()
    """Use-profile fields that must all be true for the term to apply."""
    when_any: tuple[str, ...] = ()
    """Use-profile fields of which at least one must be true."""
    measure: str | None = None
    """A numeric use-profile field compared with ``value``."""
    value: int | None = None
    quote: str = ""
    """The sentence of the canonical text that states the term."""
    span: tuple[int, int] | None = None
    """Token range of that sentence in the canonical document."""
    spans: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """The same sentence in every version of the document (fingerprint key -> range), when
    the license has several."""
    regions: tuple[str, ...] = ()
    """Regions (``EU``, ``UK``, ``KR``...) where the term binds; empty: everywhere."""
    model: str | None = None
    """A condition on the model itself: ``multimodal`` (the term binds only a model that
    takes images or audio)."""

    def span_in(self, key: str) -> tuple[int, int] | None:
        """The token range of the term's sentence in the document with this key."""
        if self.spans:
            return self.spans.get(key)
        return self.span


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseInfo:
    """A license: ids, names, family and its terms."""

    id: str
    """The Hugging Face Hub id (``llama3.1``) or our own lowercase id."""
    name: str
    spdx: str
    """SPDX id or ``LicenseRef-...``."""
    family: str
    category: str
    """``permissive``, ``copyleft``, ``weak-copyleft``, ``public-domain``, ``restricted``,
    ``non-commercial``."""
    version: str | None = None
    aliases: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()
    generic: bool = False
    """A family name without a version (``tencent-hunyuan-community``): any version of the
    family's texts satisfies it."""
    grants: tuple[str, ...] = ()
    """What the license grants, in plain words (facts for the reader, no decision)."""

    @property
    def permissive(self) -> bool:
        """True when derivatives may be relicensed freely (notice duties only)."""
        return self.category in {"permissive", "public-domain"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Fingerprint:
    """The derived form of one canonical document (no text)."""

    key: str
    """``<license>/<role>``."""
    license: str
    role: str
    """``license`` or ``policy``."""
    sha256: str
    hashes: tuple[int, ...]
    sections: tuple[tuple[int, str], ...]
    variable: tuple[tuple[int, int], ...]
    """Token ranges that legitimately differ between copies (copyright lines)."""
    shingle_set: frozenset[int] = field(repr=False)
    numbering: frozenset[int] = frozenset()
    """Tokens that only number a heading or list item (copies renumber them)."""
    urls: frozenset[int] = frozenset()
    """Tokens inside web addresses (copies drop or add link targets)."""

    def is_variable(self, start: int, end: int) -> bool:
        """True when canonical tokens ``start..end`` all lie on copyright lines."""
        return any(s <= start and end <= e for s, e in self.variable)

    def section_at(self, index: int) -> str:
        """The section label of canonical token ``index``."""
        label = "preamble"
        for start, name in self.sections:
            if start > index:
                break
            label = name
        return label


def _norm_alias(value: str) -> str:
    return " ".join(value.lower().replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class KnowledgeBase:
    """All licenses and fingerprints, with lookup indexes."""

    licenses: Mapping[str, LicenseInfo]
    fingerprints: tuple[Fingerprint, ...]
    by_sha: Mapping[str, Fingerprint]
    aliases: Mapping[str, str]
    """Normalised alias, name, SPDX id -> license id."""

    def get(self, license_id: str) -> LicenseInfo | None:
        """The license with this exact id, or None."""
        return self.licenses.get(license_id)

    def lookup(self, value: str) -> str | None:
        """Resolve an id, SPDX id, name or alias (case and punctuation folded) to an id."""
        if value in self.licenses:
            return value
        return self.aliases.get(_norm_alias(value))

    def shingle_index(self) -> Mapping[int, list[int]]:
        """Shingle hash -> indexes into ``fingerprints`` (built on first use: identifying
        exact copies never needs it)."""
        cached: dict[int, list[int]] | None = self.__dict__.get("_index")
        if cached is None:
            cached = {}
            for number, fp in enumerate(self.fingerprints):
                for sh in fp.shingle_set:
                    cached.setdefault(sh, []).append(number)
            object.__setattr__(self, "_index", cached)
        return cached

    def fingerprint(self, key: str) -> Fingerprint | None:
        """The fingerprint with this key (``llama3/license``), or None."""
        return next((f for f in self.fingerprints if f.key == key), None)


def _term(raw: Mapping[str, Any]) -> Term:
    span = raw.get("span")
    return Term(
        kind=raw["kind"],
        effect=Effect(raw["effect"]),
        section=str(raw["section"]),
        text=raw["text"],
        doc=raw.get("doc", "license"),
        when=tuple(raw.get("when", ())),
        when_any=tuple(raw.get("when_any", ())),
        measure=raw.get("measure"),
        value=raw.get("value"),
        quote=raw.get("quote", ""),
        span=(span[0], span[1]) if span else None,
        spans={k: (v[0], v[1]) for k, v in raw.get("spans", {}).items()},
        regions=tuple(raw.get("regions", ())),
        model=raw.get("model"),
    )


def _license(raw: Mapping[str, Any]) -> LicenseInfo:
    return LicenseInfo(
        id=raw["id"],
        name=raw["name"],
        spdx=raw["spdx"],
        family=raw["family"],
        category=raw["category"],
        version=raw.get("version"),
        aliases=tuple(raw.get("aliases", ())),
        terms=tuple(_term(t) for t in raw.get("terms", ())),
        generic=bool(raw.get("generic", False)),
        grants=tuple(raw.get("grants", ())),
    )


def parse_kb(data: Mapping[str, Any]) -> KnowledgeBase:
    """Build a KnowledgeBase from the kb.json structure."""
    licenses = {info.id: info for info in map(_license, data["licenses"])}
    aliases: dict[str, str] = {}
    for info in licenses.values():
        for value in (info.id, info.spdx, info.name, *info.aliases):
            aliases.setdefault(_norm_alias(value), info.id)
    prints: list[Fingerprint] = []
    for raw in data["documents"]:
        hashes = tuple(raw["hashes"])
        shingle_set = frozenset(shingles(hashes))
        prints.append(
            Fingerprint(
                key=raw["key"],
                license=raw["license"],
                role=raw["role"],
                sha256=raw["sha256"],
                hashes=hashes,
                sections=tuple((int(s), str(n)) for s, n in raw["sections"]),
                variable=tuple((int(s), int(e)) for s, e in raw.get("variable", ())),
                shingle_set=shingle_set,
                numbering=frozenset(raw.get("numbering", ())),
                urls=frozenset(raw.get("urls", ())),
            )
        )
    return KnowledgeBase(
        licenses=licenses,
        fingerprints=tuple(prints),
        by_sha={f.sha256: f for f in prints},
        aliases=aliases,
    )


@cache
def load_kb() -> KnowledgeBase:
    """The shipped knowledge base (parsed once per process)."""
    text = resources.files("modelsteward.licenses").joinpath("data/kb.json").read_text("utf-8")
    return parse_kb(json.loads(text))
