"""The licenses of the software stack: every Python package that serves or trains the model.

Each installed distribution's license is taken, most precise first, from its PEP 639
``License-Expression``, a ``License`` field that is already an SPDX expression, the license
files it ships in ``.dist-info`` (identified against the knowledge base's fingerprints), its
``License ::`` classifiers, and last a ``License`` field in words (``Apache 2.0``, ``BSD``).
The result is normalised to SPDX with the ``license-expression`` library and judged for the
use: strong copyleft in a redistributed product, network copyleft (AGPL) in a hosted service,
non-commercial terms in a business, or no license at all.

A requirements or lock file says nothing about licenses: its packages are ``unknown (not
installed)`` unless an installed environment or an SBOM that declares them is given too.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from modelsteward.findings import Finding, Location, Report, Skipped
from modelsteward.licenses.detect import identify_text
from modelsteward.licenses.errors import LicenseError
from modelsteward.licenses.kb import KnowledgeBase, load_kb
from modelsteward.licenses.profile import UseProfile
from modelsteward.licenses.rules import RULES
from modelsteward.licenses.stack_sources import DeclaredMetadata, canonical


class Category(enum.StrEnum):
    """How demanding a license is, from the least to the most."""

    PUBLIC_DOMAIN = "public-domain"
    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak-copyleft"
    COPYLEFT = "copyleft"
    NETWORK_COPYLEFT = "network-copyleft"
    """Copyleft that reaches users of a hosted service (AGPL, SSPL, OSL)."""
    RESTRICTED = "restricted"
    """Source-available or use-restricted (BUSL, Elastic, model licenses)."""
    NON_COMMERCIAL = "non-commercial"
    UNKNOWN = "unknown"


_ORDER = tuple(Category)

# SPDX ids outside the knowledge base, by pattern (the knowledge base decides first).
_SPDX_CATEGORIES: tuple[tuple[re.Pattern[str], Category], ...] = tuple(
    (re.compile(p, re.IGNORECASE), c)
    for p, c in (
        (r"^(CC0-1\.0|Unlicense|WTFPL|0BSD|MIT-0|PDDL-1\.0)$", Category.PUBLIC_DOMAIN),
        (r"^(AGPL-|SSPL-|OSL-|RPL-|CPAL-)", Category.NETWORK_COPYLEFT),
        (r"^(GPL-|CC-BY-SA-|EUPL-|CECILL-2|ODbL-)", Category.COPYLEFT),
        (r"^(LGPL|MPL-|EPL-|CDDL-|CPL-|MS-RL|CECILL-C|Sleepycat)", Category.WEAK_COPYLEFT),
        (r"^(CC-BY-NC|PolyForm-Noncommercial)", Category.NON_COMMERCIAL),
        (r"^(BUSL-|Elastic-|Commons-Clause|PolyForm-)", Category.RESTRICTED),
        (
            r"^(MIT|BSD-|Apache-|ISC|PSF-|Python-|HPND|Zlib|Unicode-|X11|NCSA|PostgreSQL|"
            r"ZPL-|Artistic-2|AFL-|BSL-1\.0|CNRI-|curl|OpenSSL|W3C|OFL-|BlueOak-|UPL-|"
            r"Ruby|libpng|CC-BY-\d|MS-PL|Beerware|FTL|TCL|Vim|Zope|bzip2|SGI-B|ECL-2)",
            Category.PERMISSIVE,
        ),
    )
)

# ``License ::`` trove classifiers -> SPDX.
_CLASSIFIERS: Mapping[str, str] = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "Apache Software License": "Apache-2.0",
    "BSD License": "BSD-3-Clause",
    "ISC License (ISCL)": "ISC",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU General Public License (GPL)": "GPL-2.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Library or Lesser General Public License (LGPL)": "LGPL-2.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "The Unlicense (Unlicense)": "Unlicense",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "zlib/libpng License": "Zlib",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "Universal Permissive License (UPL)": "UPL-1.0",
    "Academic Free License (AFL)": "AFL-3.0",
    "Artistic License": "Artistic-2.0",
    "Zope Public License": "ZPL-2.1",
    "University of Illinois/NCSA Open Source License": "NCSA",
    "Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    "Server Side Public License (SSPL)": "SSPL-1.0",
    "Public Domain": "LicenseRef-Public-Domain",
}

# ``License`` fields in words -> SPDX (after the knowledge base's aliases).
_WORDS: Mapping[str, str] = {
    "bsd": "BSD-3-Clause",
    "bsd license": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "3 clause bsd": "BSD-3-Clause",
    "bsd 3 clause license": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "psf": "PSF-2.0",
    "psf license": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "mpl 2.0": "MPL-2.0",
    "mozilla public license 2.0 mpl 2.0": "MPL-2.0",
    "lgpl": "LGPL-2.1-or-later",
    "lgplv3": "LGPL-3.0-only",
    "lgplv3+": "LGPL-3.0-or-later",
    "lgplv2+": "LGPL-2.0-or-later",
    "lgplv2.1+": "LGPL-2.1-or-later",
    "lgplv2.1": "LGPL-2.1-only",
    "apache": "Apache-2.0",
    "apache license": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "mit license": "MIT",
    "the mit license": "MIT",
    "bsd 3 clause": "BSD-3-Clause",
    "bsd 2 clause": "BSD-2-Clause",
    "bsd 3": "BSD-3-Clause",
    "zpl 2.1": "ZPL-2.1",
    "mpl2": "MPL-2.0",
    "gplv2": "GPL-2.0-only",
    "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gplv3+": "GPL-3.0-or-later",
    "agplv3": "AGPL-3.0-only",
    "isc license": "ISC",
    "hpnd": "HPND",
    "public domain": "LicenseRef-Public-Domain",
    "dual license": "",
}


class StackStatus(enum.StrEnum):
    """How much is known about a package's license."""

    DECLARED = "declared"
    NOT_INSTALLED = "unknown (not installed)"
    NONE = "none declared"
    UNRECOGNISED = "unrecognised"


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageLicense:
    """One package of the stack, its license and what it means for the use."""

    name: str
    version: str
    source: str
    status: StackStatus
    expression: str | None = None
    """The SPDX expression (``Apache-2.0``, ``MIT OR Apache-2.0``), None when unknown."""
    origin: str = ""
    """Where it was read: ``License-Expression``, ``License``, ``license file``,
    ``classifier``, ``sbom``."""
    declared: tuple[str, ...] = ()
    """The raw declarations, as written (long texts shortened)."""
    category: Category = Category.UNKNOWN
    flags: tuple[str, ...] = ()
    """Rule ids this package triggers for the use."""
    obligations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """One item of the ``stack.packages`` list of the license JSON."""
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "license": {
                "expression": self.expression,
                "status": self.status.value,
                "origin": self.origin,
                "category": self.category.value,
                "declared": list(self.declared),
            },
            "flags": list(self.flags),
            "obligations": list(self.obligations),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StackResult:
    """The licenses of a whole stack."""

    packages: tuple[PackageLicense, ...]
    inventories: tuple[str, ...]
    report: Report
    use: UseProfile | None = None
    skipped: tuple[Skipped, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """The ``stack`` section of the license JSON."""
        counts: dict[str, int] = {}
        for pkg in self.packages:
            counts[pkg.category.value] = counts.get(pkg.category.value, 0) + 1
        return {
            "inventories": list(self.inventories),
            "packages": [p.to_dict() for p in self.packages],
            "summary": {
                "packages": len(self.packages),
                "declared": sum(p.status is StackStatus.DECLARED for p in self.packages),
                "not_installed": sum(p.status is StackStatus.NOT_INSTALLED for p in self.packages),
                "categories": dict(sorted(counts.items())),
                "flagged": sum(bool(p.flags) for p in self.packages),
            },
        }

    def licenses_by_package(self) -> dict[str, str]:
        """Package name (PEP 503) -> SPDX expression, for the AI-BOM."""
        return {canonical(p.name): p.expression for p in self.packages if p.expression}


@cache
def _licensing() -> Any:
    try:
        from license_expression import get_spdx_licensing
    except ImportError as exc:  # pragma: no cover - the extra is part of the licenses install
        raise LicenseError(
            "the software-stack check needs the license-expression package",
            hint="pip install 'modelsteward[licenses]'",
        ) from exc
    return get_spdx_licensing()


def normalize_expression(value: str) -> str | None:
    """``value`` as a valid SPDX expression, or None when it is not one."""
    value = value.strip()
    if not value or len(value) > 400 or "\n" in value:
        return None
    try:
        info = _licensing().validate(value)
    except Exception:  # the parser raises AttributeError, TypeError... on some garbage
        return None
    if info.errors or info.invalid_symbols:
        return None
    return str(info.normalized_expression) if info.normalized_expression else None


_SCANCODE_CATEGORIES = {
    "Permissive": Category.PERMISSIVE,
    "Public Domain": Category.PUBLIC_DOMAIN,
    "Copyleft Limited": Category.WEAK_COPYLEFT,
    "Copyleft": Category.COPYLEFT,
    "Source-available": Category.RESTRICTED,
    "Free Restricted": Category.RESTRICTED,
    "Proprietary Free": Category.RESTRICTED,
    "Commercial": Category.RESTRICTED,
}
"""ScanCode LicenseDB categories -> ours (for ids the knowledge base does not hold)."""


@cache
def _scancode_index() -> tuple[dict[str, str], dict[str, Category]]:
    """(ScanCode key -> SPDX id, SPDX id (lowercased) -> category), from the LicenseDB index
    that license-expression bundles."""
    import license_expression

    index = Path(license_expression.__file__).parent / "data" / "scancode-licensedb-index.json"
    to_spdx: dict[str, str] = {}
    categories: dict[str, Category] = {}
    for item in json.loads(index.read_text(encoding="utf-8")):
        key = item["license_key"]
        spdx = item.get("spdx_license_key") or f"LicenseRef-scancode-{key}"
        to_spdx[key] = spdx
        category = _SCANCODE_CATEGORIES.get(str(item.get("category")))
        if category is not None:
            for name in (spdx, *(item.get("other_spdx_license_keys") or ())):
                categories.setdefault(str(name).lower(), category)
    return to_spdx, categories


def _scancode_to_spdx() -> dict[str, str]:
    return _scancode_index()[0]


def _from_scancode_keys(value: str) -> str | None:
    """An expression of ScanCode license keys (``apache-2.0 AND lgpl-2.1 AND unrar``), as
    some packages write their ``License`` field, converted to SPDX."""
    if len(value) > 400 or "\n" in value or not re.search(r"\b(and|or)\b", value, re.I):
        return None
    mapping = _scancode_to_spdx()
    tokens = re.split(r"(\s+|\(|\))", value.strip())
    out: list[str] = []
    for token in tokens:
        word = token.strip()
        if not word or word in "()":
            out.append(token)
        elif word.lower() in {"and", "or", "with"}:
            out.append(word.upper())
        elif word.lower() in mapping:
            out.append(mapping[word.lower()])
        else:
            return None
    return normalize_expression("".join(out))


def _from_words(value: str, kb: KnowledgeBase) -> str | None:
    folded = " ".join(re.sub(r"[^\w.+]+", " ", value.lower()).split())
    if folded in _WORDS:
        return _WORDS[folded] or None
    found = kb.lookup(value)
    if found is not None:
        info = kb.get(found)
        return info.spdx if info else None
    return None


def _from_text(text: str, kb: KnowledgeBase) -> str | None:
    ident = identify_text(text, kb)
    ids: list[str] = []
    for match in ident.matches:
        info = kb.get(match.license)
        if info is not None and info.spdx not in ids:
            ids.append(info.spdx)
    return " AND ".join(ids) if ids else None


def resolve(meta: DeclaredMetadata, kb: KnowledgeBase) -> tuple[str | None, str, tuple[str, ...]]:
    """(SPDX expression, origin, raw declarations) for one distribution.

    What the package declares comes first (PEP 639 expression, ``License``, classifiers);
    its license files are read only when it declares nothing usable, since a wheel's files
    also carry the licenses of what it bundles (a GCC runtime under its exception).
    """
    declared: list[str] = []
    if meta.expression:
        declared.append(meta.expression)
    if meta.license and meta.license.strip().upper() not in {"UNKNOWN", "NONE"}:
        short = " ".join(meta.license.split())
        declared.append(short if len(short) <= 120 else short[:119] + "…")
    declared.extend(meta.classifiers)
    declared.extend(f"file: {name}" for name, _ in meta.files)
    if meta.expression:
        found = normalize_expression(meta.expression) or _from_words(meta.expression, kb)
        if found:
            return found, "sbom" if meta.from_sbom else "License-Expression", tuple(declared)
    license_field = meta.license or ""
    if license_field.upper() in {"UNKNOWN", "NONE"}:
        license_field = ""
    if license_field:
        found = (
            normalize_expression(license_field)
            or _from_scancode_keys(license_field)
            or _from_words(license_field, kb)
        )
        if found:
            return found, "License", tuple(declared)
    from_classifiers = list(
        dict.fromkeys(
            _CLASSIFIERS[c.split("::")[-1].strip()]
            for c in meta.classifiers
            if c.split("::")[-1].strip() in _CLASSIFIERS
        )
    )
    if from_classifiers:
        joined = " OR ".join(from_classifiers)
        return normalize_expression(joined) or joined, "classifier", tuple(declared)
    for _, text in meta.files:
        found = _from_text(text, kb)
        if found:
            return found, "license file", tuple(declared)
    if len(license_field) > 200 or "\n" in license_field:
        found = _from_text(license_field, kb)
        if found:
            return found, "License", tuple(declared)
    return None, "", tuple(declared)


# --- judging ---------------------------------------------------------------------------------


def category_of(spdx_id: str, kb: KnowledgeBase) -> Category:
    """The category of one SPDX license id: the knowledge base's, else by pattern, else
    ScanCode LicenseDB's."""
    for pattern, category in _SPDX_CATEGORIES:
        if category is Category.NETWORK_COPYLEFT and pattern.search(spdx_id):
            return category
    found = kb.lookup(spdx_id) or kb.lookup(spdx_id.removesuffix("-only").removesuffix("-or-later"))
    info = kb.get(found) if found else None
    if info is not None:
        try:
            return Category(info.category)
        except ValueError:
            return Category.UNKNOWN
    if spdx_id == "LicenseRef-Public-Domain":
        return Category.PUBLIC_DOMAIN
    for pattern, category in _SPDX_CATEGORIES:
        if pattern.search(spdx_id):
            return category
    return _scancode_index()[1].get(spdx_id.lower(), Category.UNKNOWN)


def expression_categories(expression: str, kb: KnowledgeBase) -> frozenset[Category]:
    """The categories that bind: every part of an ``AND``, the easiest choice of an ``OR``."""
    try:
        parsed = _licensing().parse(expression, validate=False)
    except Exception:  # the parser raises AttributeError, TypeError... on some garbage
        return frozenset({category_of(expression, kb)})
    return _walk(parsed, kb)


def expression_category(expression: str, kb: KnowledgeBase) -> Category:
    """The most demanding category that binds."""
    return max(expression_categories(expression, kb), key=_ORDER.index)


def _walk(node: Any, kb: KnowledgeBase) -> frozenset[Category]:
    operator = type(node).__name__
    if operator == "AND":
        return frozenset().union(*(_walk(arg, kb) for arg in node.args))
    if operator == "OR":
        choices = [_walk(arg, kb) for arg in node.args]
        return min(choices, key=lambda c: max(_ORDER.index(x) for x in c))
    key = getattr(node, "key", None)
    if key is None and hasattr(node, "license_symbol"):
        key = node.license_symbol.key
    return frozenset({category_of(str(key or node), kb)})


def _judge(
    categories: frozenset[Category], status: StackStatus, use: UseProfile | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(rule ids, obligations) for one package under ``use`` (every binding category
    counts: an ``AND`` of a permissive and an LGPL license is judged for the LGPL)."""
    flags: list[str] = []
    obligations: list[str] = []
    if status is StackStatus.NOT_INSTALLED:
        return ("license.stack.unknown",), ()
    if status is StackStatus.NONE:
        return ("license.stack.none",), ()
    if status is StackStatus.UNRECOGNISED:
        return ("license.stack.unrecognised",), ()
    hosted = use is None or use.customer_facing
    shipped = use is None or use.redistribution
    commercial = use is None or use.commercial
    if Category.NETWORK_COPYLEFT in categories and hosted:
        flags.append("license.stack.network-copyleft")
        obligations.append("Offer the complete source of the service to its network users.")
    if categories & {Category.COPYLEFT, Category.NETWORK_COPYLEFT} and shipped:
        flags.append("license.stack.copyleft-distribution")
        obligations.append("Distribute the complete corresponding source under the same license.")
    if Category.WEAK_COPYLEFT in categories and shipped:
        flags.append("license.stack.weak-copyleft")
        obligations.append("Provide the source of the library (and allow relinking or replacing).")
    if Category.NON_COMMERCIAL in categories and commercial:
        flags.append("license.stack.non-commercial")
    if Category.RESTRICTED in categories:
        flags.append("license.stack.restricted")
    if Category.UNKNOWN in categories:
        flags.append("license.stack.unrecognised")
    return tuple(flags), tuple(obligations)


def check_stack(
    packages: Iterable[tuple[str, str, str]],
    installed: Sequence[DeclaredMetadata],
    *,
    use: UseProfile | None = None,
    inventories: Sequence[str] = (),
    kb: KnowledgeBase | None = None,
) -> StackResult:
    """Judge the licenses of ``packages`` ((name, version, source) from any inventory) using
    the metadata of ``installed`` distributions (a venv, site-packages or SBOM).

    Packages of the inventory that are not installed get ``unknown (not installed)``;
    installed distributions not in ``packages`` are judged too.
    """
    kb = kb or load_kb()
    by_name = {canonical(m.name): m for m in installed}
    seen: set[str] = set()
    results: list[PackageLicense] = []
    findings: list[Finding] = []
    wanted = list(packages)
    for name, version, source in wanted:
        key = canonical(name)
        if key in seen:
            continue
        seen.add(key)
        meta = by_name.get(key)
        if meta is None:
            results.append(_package(name, version, source, None, kb, use, findings))
        else:
            results.append(_package(name, version or meta.version, source, meta, kb, use, findings))
    for meta in installed:
        key = canonical(meta.name)
        if key not in seen:
            seen.add(key)
            results.append(_package(meta.name, meta.version, meta.source, meta, kb, use, findings))
    return StackResult(
        packages=tuple(results),
        inventories=tuple(inventories),
        report=Report.of(findings),
        use=use,
    )


def _package(
    name: str,
    version: str,
    source: str,
    meta: DeclaredMetadata | None,
    kb: KnowledgeBase,
    use: UseProfile | None,
    findings: list[Finding],
) -> PackageLicense:
    expression: str | None = None
    origin = ""
    declared: tuple[str, ...] = ()
    if meta is None:
        status = StackStatus.NOT_INSTALLED
    else:
        expression, origin, declared = resolve(meta, kb)
        if expression:
            status = StackStatus.DECLARED
        elif declared:
            status = StackStatus.UNRECOGNISED
        else:
            status = StackStatus.NONE
    categories = (
        expression_categories(expression, kb) if expression else frozenset({Category.UNKNOWN})
    )
    category = max(categories, key=_ORDER.index)
    flags, obligations = _judge(categories, status, use)
    where = f"{name}=={version}" if version else name
    for rule_id in flags:
        findings.append(
            Finding(
                rule_id=rule_id,
                severity=RULES[rule_id].severity,
                message=_message(rule_id, where, expression, status),
                location=Location(path=source or where, package=name),
                evidence=expression or "; ".join(declared)[:200],
            )
        )
    return PackageLicense(
        name=name,
        version=version,
        source=source,
        status=status,
        expression=expression,
        origin=origin,
        declared=declared,
        category=category,
        flags=flags,
        obligations=obligations,
    )


def _message(rule_id: str, where: str, expression: str | None, status: StackStatus) -> str:
    lic = expression or status.value
    return {
        "license.stack.network-copyleft": f"{where} is under {lic}: network copyleft reaches "
        "the users of a hosted service.",
        "license.stack.copyleft-distribution": f"{where} is under {lic}: shipping it carries "
        "the copyleft to the product.",
        "license.stack.weak-copyleft": f"{where} is under {lic}: shipping it requires its source.",
        "license.stack.non-commercial": f"{where} is under {lic}: commercial use is not licensed.",
        "license.stack.restricted": f"{where} is under {lic}: source-available or "
        "use-restricted terms.",
        "license.stack.none": f"{where} declares no license: no use is granted.",
        "license.stack.unrecognised": f"{where} declares a license that is not recognised.",
        "license.stack.unknown": f"{where}: license unknown (not installed); give the "
        "environment or an SBOM.",
    }[rule_id]
