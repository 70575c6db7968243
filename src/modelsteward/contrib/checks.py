"""What must not leave the company in a patch (secrets, personal data, internal names, code
it does not own, incompatible licenses, weights), and what the upstream project asks of
contributors (license, DCO, CLA, CONTRIBUTING.md)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelsteward.contrib.patch import Commit, FileChange, Patch
from modelsteward.findings import Finding, Location, Severity
from modelsteward.licenses import identify_text, load_kb
from modelsteward.policy.model import ContributionsSpec
from modelsteward.safety.guards.pii import PiiGuard
from modelsteward.safety.guards.secrets import SecretGuard, entropy

MAX_LINE = 4096
"""Characters of one added line that the text checks read (minified files stay linear)."""
WEIGHT_SUFFIXES = (
    ".safetensors",
    ".gguf",
    ".ggml",
    ".pt",
    ".pth",
    ".ckpt",
    ".bin",
    ".onnx",
    ".h5",
    ".keras",
    ".pkl",
    ".pickle",
    ".joblib",
    ".npz",
    ".msgpack",
    ".tflite",
    ".mlmodel",
)
_PII_TYPES = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE"}
_HARMLESS_EMAIL = re.compile(r"@(?:example\.(?:com|org|net)|users\.noreply\.github\.com)$")
_TOKEN = re.compile(r"[A-Za-z0-9+/_\-]{24,200}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_SPDX = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+\- ()]{1,120})")
_COPYRIGHT = re.compile(
    r"(?i)\bcopyright\b(?:\s*(?:\(c\)|©))?\s*(?:\d{4}(?:\s*[-,]\s*\d{4})*)?\s*([^\n]{0,120})"
)
_PROPRIETARY = re.compile(
    r"(?i)\b(?:all rights reserved|confidential|proprietary|internal use only|trade secret)\b"
)
_DCO_WORDS = re.compile(r"(?i)developer certificate of origin|\bDCO\b|signed-off-by")
_CLA_WORDS = re.compile(r"(?i)contributor license agreement|\bCLA\b")
_LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING", "LICENCE")
_PERMISSIVE = {"permissive", "public-domain"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Upstream:
    """The project a contribution goes to, and what it asks of contributors."""

    name: str
    license: str | None
    """The project's license id (from its LICENSE file or as stated), or None."""
    license_category: str | None
    requires_dco: bool
    requires_cla: bool
    contributing: str | None
    """Path of the CONTRIBUTING file that was read, if any."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "name": self.name,
            "license": self.license,
            "license_category": self.license_category,
            "requires_dco": self.requires_dco,
            "requires_cla": self.requires_cla,
            "contributing": self.contributing,
        }


def matches(name: str, globs: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), g.lower()) for g in globs)


def _category(license_id: str | None) -> tuple[str | None, str | None]:
    if not license_id:
        return None, None
    kb = load_kb()
    resolved = kb.lookup(license_id) or kb.lookup(license_id.lower())
    info = kb.get(resolved) if resolved else None
    if info is None:
        return license_id, None
    return info.id, info.category


def read_upstream(
    name: str, directory: Path | None, policy: ContributionsSpec, *, license_id: str | None = None
) -> Upstream:
    """The upstream project's license and contribution requirements, from a local checkout
    (``directory``) and the policy's lists."""
    found = license_id
    contributing: str | None = None
    text = ""
    if directory is not None and directory.is_dir():
        if found is None:
            for candidate in _LICENSE_NAMES:
                path = directory / candidate
                if path.is_file():
                    ident = identify_text(path.read_text("utf-8", "replace")[:200_000])
                    if ident.matches:
                        found = ident.matches[0].license
                    break
        for candidate in (
            "CONTRIBUTING.md",
            "CONTRIBUTING.rst",
            "CONTRIBUTING",
            ".github/CONTRIBUTING.md",
        ):
            path = directory / candidate
            if path.is_file():
                contributing = candidate
                text = path.read_text("utf-8", "replace")[:200_000]
                break
    lic, category = _category(found)
    return Upstream(
        name=name,
        license=lic,
        license_category=category,
        requires_dco=bool(_DCO_WORDS.search(text)) or matches(name, policy.dco_required),
        requires_cla=(bool(_CLA_WORDS.search(text)) or matches(name, policy.cla_required)),
        contributing=contributing,
    )


def _loc(change: FileChange, line: int | None = None) -> Location:
    return Location(path=change.path, line=line)


def _lines(change: FileChange) -> Iterator[tuple[int, str]]:
    for number, text in change.added:
        yield number, text[:MAX_LINE]


def _secrets(change: FileChange) -> Iterator[Finding]:
    guard = SecretGuard()
    seen: set[int] = set()
    for number, text in _lines(change):
        for det in guard.check_text(text):
            seen.add(number)
            yield Finding(
                rule_id="contrib.secret.known",
                severity=Severity.CRITICAL,
                message=f"A secret ({det.label.lower().replace('_', ' ')}) is added; it must "
                "never leave the company (rotate it: it may already be exposed).",
                location=_loc(change, number),
                evidence=det.evidence,
            )
        if number in seen:
            continue
        for match in _TOKEN.finditer(text):
            token = match.group(0)
            if _HEX.fullmatch(token) or entropy(token) < 4.2:
                continue
            classes = sum(any(f(c) for c in token) for f in (str.islower, str.isupper, str.isdigit))
            if classes == 3:
                yield Finding(
                    rule_id="contrib.secret.high-entropy",
                    severity=Severity.HIGH,
                    message="A random-looking string is added; check that it is not a credential.",
                    location=_loc(change, number),
                    evidence=token[:4] + "*" * (min(len(token), 24) - 4),
                )
                break


def _pii(change: FileChange) -> Iterator[Finding]:
    guard = PiiGuard()
    for number, text in _lines(change):
        for det in guard.check_text(text):
            if det.label not in _PII_TYPES:
                continue
            value = text[det.start : det.end]
            if det.label == "EMAIL_ADDRESS" and _HARMLESS_EMAIL.search(value.lower()):
                continue
            yield Finding(
                rule_id="contrib.pii.personal-data",
                severity=Severity.HIGH,
                message=f"Personal data ({det.label.lower().replace('_', ' ')}) is added; "
                "customer and employee data must not be contributed.",
                location=_loc(change, number),
                evidence=det.evidence,
            )


def _internal_pattern(spec: ContributionsSpec) -> re.Pattern[str] | None:
    parts: list[str] = []
    internal = spec.internal
    parts += [rf"(?:[A-Za-z0-9-]+\.)*{re.escape(d.strip('.'))}\b" for d in internal.domains]
    parts += [rf"\b{re.escape(c)}\b" for c in internal.code_names]
    parts += [rf"\b{re.escape(t)}-\d+\b" for t in internal.ticket_prefixes]
    parts += [re.escape(u) for u in internal.url_prefixes]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _internal(change: FileChange, pattern: re.Pattern[str] | None) -> Iterator[Finding]:
    if pattern is None:
        return
    for number, text in _lines(change):
        match = pattern.search(text)
        if match:
            yield Finding(
                rule_id="contrib.internal.identifier",
                severity=Severity.HIGH,
                message="An internal identifier (host, code name, ticket or URL) is added.",
                location=_loc(change, number),
                evidence=match.group(0),
            )


def _ownership(
    change: FileChange, spec: ContributionsSpec, upstream: Upstream
) -> Iterator[Finding]:
    holders = [h.lower() for h in spec.copyright_holders]
    for number, text in _lines(change):
        match = _COPYRIGHT.search(text)
        if not match:
            continue
        who = match.group(1).strip()
        lowered = text.lower()
        ours = any(h in lowered for h in holders)
        if _PROPRIETARY.search(text) or ours:
            yield Finding(
                rule_id="contrib.ownership.proprietary-header",
                severity=Severity.HIGH,
                message="A proprietary copyright notice is added; code under it is not the "
                "project's to take and needs the company's release first.",
                location=_loc(change, number),
                evidence=text.strip()[:160],
            )
        elif who and upstream.name.split("/")[-1].lower() not in lowered:
            yield Finding(
                rule_id="contrib.ownership.third-party-copyright",
                severity=Severity.MEDIUM,
                message="A third party's copyright notice is added: the code may be copied "
                "from elsewhere; confirm its origin and license.",
                location=_loc(change, number),
                evidence=text.strip()[:160],
            )


def _incoming_licenses(change: FileChange) -> Iterator[tuple[str, int | None]]:
    for number, text in _lines(change):
        match = _SPDX.search(text)
        if match:
            yield match.group(1).strip().rstrip("*/ -#").strip(), number
    name = change.path.rsplit("/", 1)[-1]
    if change.new_file and (name.upper().startswith(("LICENSE", "COPYING", "LICENCE"))):
        ident = identify_text(change.added_text[:200_000])
        for m in ident.matches[:1]:
            yield m.license, None


def _compatible(incoming: str | None, upstream: Upstream) -> tuple[bool | None, str]:
    """(compatible, why); None when it cannot be told."""
    lic, category = _category(incoming)
    if category is None:
        return None, f"{incoming} is not a license the knowledge base knows"
    if category in _PERMISSIVE:
        if lic == "apache-2.0" and upstream.license == "gpl-2.0":
            return False, "Apache-2.0 code cannot go into a GPL-2.0-only project"
        return True, f"{lic} is permissive"
    if category in ("non-commercial", "restricted"):
        return False, f"{lic} restricts use ({category}); no open-source project can take it"
    if upstream.license_category is None:
        return None, f"{lic} is {category}; the upstream license is unknown"
    if category == "weak-copyleft":
        if upstream.license_category in _PERMISSIVE:
            return None, f"{lic} is file-level copyleft inside a {upstream.license} project"
        return True, f"{lic} is weak copyleft"
    if upstream.license_category in _PERMISSIVE or upstream.license_category == "weak-copyleft":
        return False, f"{lic} is copyleft and cannot be added to a {upstream.license} project"
    if lic == upstream.license:
        return True, "same license as the project"
    return False, f"{lic} and {upstream.license} are different copyleft licenses"


def _licenses(change: FileChange, upstream: Upstream) -> Iterator[Finding]:
    for incoming, number in _incoming_licenses(change):
        ok, why = _compatible(incoming, upstream)
        if ok is True:
            continue
        yield Finding(
            rule_id="contrib.license.incompatible" if ok is False else "contrib.license.review",
            severity=Severity.HIGH if ok is False else Severity.MEDIUM,
            message=f"{why}." if ok is False else f"Legal must check the license: {why}.",
            location=_loc(change, number),
            evidence=incoming,
        )


def _binaries(change: FileChange, spec: ContributionsSpec) -> Iterator[Finding]:
    if change.deleted:
        return
    lowered = change.path.lower()
    if lowered.endswith(WEIGHT_SUFFIXES) and (change.binary or change.new_file):
        yield Finding(
            rule_id="contrib.binary.model-weights",
            severity=Severity.HIGH,
            message="Model weights or a serialized model are added; weights need their own "
            "release review and belong in a model hub, not a patch.",
            location=_loc(change),
            evidence=change.path,
        )
    elif change.binary and (
        change.binary_size is None or change.binary_size > spec.max_binary_bytes
    ):
        size = (
            "of unknown size" if change.binary_size is None else f"of {change.binary_size:,} bytes"
        )
        yield Finding(
            rule_id="contrib.binary.large",
            severity=Severity.HIGH if change.binary_size is not None else Severity.MEDIUM,
            message=f"A binary file {size} is added (limit {spec.max_binary_bytes:,}).",
            location=_loc(change),
            evidence=change.path,
        )


def _requirements(patch: Patch, upstream: Upstream, spec: ContributionsSpec) -> Iterator[Finding]:
    where = Location(path=patch.source)
    if upstream.requires_dco:
        if not patch.commits:
            yield Finding(
                rule_id="contrib.dco.unknown",
                severity=Severity.MEDIUM,
                message=f"{upstream.name} requires a DCO sign-off and a plain diff carries none; "
                "send it as commits with `git commit -s`.",
                location=where,
                evidence=upstream.name,
            )
        for commit in patch.commits:
            if not _signed_by_author(commit):
                yield Finding(
                    rule_id="contrib.dco.missing",
                    severity=Severity.HIGH,
                    message=f"Commit {commit.sha[:12]} ({commit.subject[:60]}) has no "
                    f"Signed-off-by from its author, which {upstream.name} requires.",
                    location=where,
                    evidence=commit.sha,
                )
    if upstream.requires_cla and not matches(upstream.name, spec.cla_signed):
        yield Finding(
            rule_id="contrib.cla.required",
            severity=Severity.HIGH,
            message=f"{upstream.name} needs a contributor license agreement that the company "
            "has not signed; legal signs CLAs, not the engineer.",
            location=where,
            evidence=upstream.name,
        )
    if upstream.license is None:
        yield Finding(
            rule_id="contrib.license.upstream-unknown",
            severity=Severity.MEDIUM,
            message=f"The license of {upstream.name} is unknown, so compatibility cannot be "
            "checked.",
            location=where,
            evidence=upstream.name,
        )


def _signed_by_author(commit: Commit) -> bool:
    email = commit.author_email
    return any(addr == email for _, addr in commit.sign_offs) if email else bool(commit.sign_offs)


def patch_findings(patch: Patch, upstream: Upstream, spec: ContributionsSpec) -> list[Finding]:
    """Every finding of every check on ``patch`` for ``upstream`` under ``spec``."""
    pattern = _internal_pattern(spec)
    findings: list[Finding] = []
    for change in patch.files:
        findings.extend(_binaries(change, spec))
        if change.binary:
            continue
        findings.extend(_secrets(change))
        findings.extend(_pii(change))
        findings.extend(_internal(change, pattern))
        findings.extend(_ownership(change, spec, upstream))
        findings.extend(_licenses(change, upstream))
    findings.extend(_requirements(patch, upstream, spec))
    return findings
