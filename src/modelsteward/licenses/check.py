"""Check one model's license: text, metadata, lineage, and the verdict for a use."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from modelsteward.findings import Report
from modelsteward.inventory import ArtifactKind, resolve_source, sniff_kind
from modelsteward.licenses.detect import TextMatch, identify_text
from modelsteward.licenses.detect import is_license_file as _is_license_name
from modelsteward.licenses.diff import TextStatus
from modelsteward.licenses.evaluate import (
    Clause,
    Decision,
    Quoter,
    Verdict,
    evaluate,
    kb_quote,
)
from modelsteward.licenses.kb import KnowledgeBase, LicenseInfo, Term, load_kb
from modelsteward.licenses.lineage import (
    BuiltinResolver,
    HubResolver,
    LineageHit,
    LineageResolver,
    LineageVia,
)
from modelsteward.licenses.metadata import (
    CardMetadata,
    DeclaredLicense,
    declared_license,
    gguf_metadata,
    read_metadata,
)
from modelsteward.licenses.model_facts import ModelFacts, read_model_facts
from modelsteward.licenses.profile import UseProfile
from modelsteward.licenses.reporting import (
    FileScan,
    Identity,
    build_findings,
    closest_hint,
    collect_flags,
    unknown_files,
)
from modelsteward.licenses.result import FileDifference, LicenseResult, LicenseSource

_MAX_TEXT = 2 << 20
_MAX_DEPTH = 4
_CLEAN = (TextStatus.EXACT, TextStatus.REFORMATTED)
_STATUS_ORDER = (TextStatus.MODIFIED, TextStatus.TRUNCATED, TextStatus.REFORMATTED)


@dataclass(frozen=True, slots=True)
class _Options:
    kb: KnowledgeBase
    resolvers: tuple[LineageResolver, ...]
    seen: frozenset[str] = field(default_factory=frozenset)


def check_license(
    path: str | Path,
    use: UseProfile | None = None,
    *,
    resolver: LineageResolver | None = None,
    offline: bool = True,
    hub_endpoint: str | None = None,
) -> LicenseResult:
    """Identify a model's true license and, given a use, decide what that use may do.

    ``path`` is a model directory, a Hugging Face cache repo, or a single license file.
    ``resolver`` is consulted for base models after local directories and before the
    built-in table; with ``offline=False`` the Hugging Face Hub (``hub_endpoint``, default
    huggingface_hub's) is asked last.

    Raises:
        UsageError: when ``path`` does not exist.
    """
    resolvers: list[LineageResolver] = []
    if resolver is not None:
        resolvers.append(resolver)
    resolvers.append(BuiltinResolver())
    if not offline:
        resolvers.append(HubResolver(endpoint=hub_endpoint))
    return _check(path, use, _Options(kb=load_kb(), resolvers=tuple(resolvers)), 0)


def _check(path: str | Path, use: UseProfile | None, opts: _Options, depth: int) -> LicenseResult:
    source = resolve_source(path)
    given = source.given
    root = source.root
    facts = ModelFacts()
    if root.is_dir():
        scans = [_scan(p, given, p.name, opts.kb) for p in _license_files(root)]
        meta = read_metadata(root)
        model_dir = root
        facts = read_model_facts(root)
    elif sniff_kind(root) is ArtifactKind.GGUF:
        scans = []
        meta = gguf_metadata(root)
        model_dir = root.parent
    else:
        scans = [_scan(root, given, root.name, opts.kb, display=given)]
        meta = CardMetadata()
        model_dir = root.parent
    lineage, unresolved = _lineage(meta, model_dir, opts, depth)
    identity = _identity(scans, meta, lineage, opts.kb)
    flags = collect_flags(identity, scans, lineage)
    verdict = None if use is None else _verdict(use, identity, scans, opts.kb, facts)
    findings = build_findings(
        given=given,
        identity=identity,
        scans=scans,
        meta=meta,
        lineage=lineage,
        unresolved=unresolved,
        verdict=verdict,
        kb=opts.kb,
    )
    info = opts.kb.get(identity.license_id) if identity.license_id else None
    differences = tuple(
        FileDifference(file=s.relpath, license=m.license, difference=d)
        for s in scans
        if s.ident
        for m in s.ident.matches
        for d in m.differences
    )
    return LicenseResult(
        path=given,
        license_id=identity.license_id,
        expression=identity.expression,
        status=identity.status,
        source=identity.source,
        closest=identity.closest,
        files=tuple(s.relpath for s in scans),
        family=info.family if info else None,
        name=info.name if info else None,
        metadata_license=identity.declared.raw if identity.declared else None,
        metadata_mismatch=identity.mismatch,
        lineage=tuple(lineage),
        flags=flags,
        differences=differences,
        verdict=verdict,
        report=Report.of(findings),
        model=facts,
        closest_similarity=_closest_similarity(scans)
        if identity.status is TextStatus.UNKNOWN
        else None,
        code_licenses=identity.code_only,
    )


def _license_files(root: Path) -> list[Path]:
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.is_file() and _is_license_name(p.name)]


def _scan(
    path: Path, given: str, relpath: str, kb: KnowledgeBase, *, display: str | None = None
) -> FileScan:
    shown = display or f"{given.rstrip('/')}/{relpath}"
    try:
        with path.open("rb") as fh:
            raw = fh.read(_MAX_TEXT)
    except OSError as exc:
        return FileScan(relpath, shown, None, f"cannot read: {exc.strerror or exc}")
    if b"\x00" in raw[:8192]:
        return FileScan(relpath, shown, None, "not a text file")
    text = raw.decode("utf-8", errors="replace")
    ident = identify_text(text, kb, sha256=hashlib.sha256(raw).hexdigest())
    return FileScan(relpath, shown, ident)


def _lineage(
    meta: CardMetadata, model_dir: Path, opts: _Options, depth: int
) -> tuple[list[LineageHit], list[str]]:
    hits: list[LineageHit] = []
    unresolved: list[str] = []
    for base in meta.base_models:
        if base in opts.seen or depth >= _MAX_DEPTH:
            continue
        found = _resolve_base(base, model_dir, opts, depth)
        if not found or found[0].license is None:
            unresolved.append(base)
        hits.extend(found)
    return hits, unresolved


def _resolve_base(base: str, model_dir: Path, opts: _Options, depth: int) -> list[LineageHit]:
    seen = _Options(opts.kb, opts.resolvers, opts.seen | {base})
    for candidate in (Path(base), model_dir / base, model_dir.parent / base):
        if candidate.is_dir():
            sub = _check(candidate, None, seen, depth + 1)
            local = LineageHit(model=base, license=sub.license_id, via=LineageVia.LOCAL)
            return [local, *sub.lineage]
    for resolver in opts.resolvers:
        hit = resolver.resolve(base)
        if hit is None:
            continue
        ancestors: list[LineageHit] = []
        for parent in hit.base_models:
            if parent not in seen.seen and depth + 1 < _MAX_DEPTH:
                ancestors.extend(_resolve_base(parent, model_dir, seen, depth + 1))
        return [hit, *ancestors]
    return []


_CODE_FILE = re.compile(r"code", re.IGNORECASE)


def _identity(
    scans: list[FileScan], meta: CardMetadata, lineage: list[LineageHit], kb: KnowledgeBase
) -> Identity:
    matches = [m for s in scans if s.ident for m in s.ident.matches]
    text_ids = list(dict.fromkeys(m.license for m in matches))
    # LICENSE-CODE next to LICENSE-MODEL (DeepSeek, Stability...): the code license does not
    # cover the weights, so it does not decide what the model may be used for.
    code_only = _code_only(scans)
    if code_only and len(code_only) < len(text_ids):
        text_ids = [i for i in text_ids if i not in code_only]
    else:
        code_only = []
    declared = declared_license(meta, kb)
    own = text_ids or ([declared.license_id] if declared and declared.license_id else [])
    ancestors = list(dict.fromkeys(h.license for h in lineage if h.license))
    strict = [a for a in ancestors if not _permissive(kb.get(a))]
    conflict = [a for a in strict if a not in own] if own else []
    if conflict:
        effective = conflict + (own if text_ids else [])
        source: str | None = LicenseSource.LINEAGE
    elif own:
        effective = own
        source = LicenseSource.TEXT if text_ids else LicenseSource.METADATA
    else:
        effective = ancestors[:1] + [a for a in strict if a not in ancestors[:1]]
        source = LicenseSource.LINEAGE if effective else None
    return Identity(
        license_id=effective[0] if effective else None,
        expression=" AND ".join(effective) if effective else None,
        effective=tuple(effective),
        text_ids=tuple(text_ids),
        status=_status(scans, matches),
        source=source,
        closest=_closest(scans),
        declared=declared,
        mismatch=_mismatch(declared, effective, kb),
        conflict=tuple(conflict),
        inherited=not own and bool(effective),
        code_only=tuple(code_only),
    )


def _code_only(scans: list[FileScan]) -> list[str]:
    """Licenses found only in files named for code (LICENSE-CODE, CODE_LICENSE)."""
    code = {
        m.license
        for s in scans
        if s.ident and _CODE_FILE.search(s.relpath)
        for m in s.ident.matches
    }
    other = {
        m.license
        for s in scans
        if s.ident and not _CODE_FILE.search(s.relpath)
        for m in s.ident.matches
    }
    return sorted(code - other)


def _mismatch(declared: DeclaredLicense | None, effective: list[str], kb: KnowledgeBase) -> bool:
    """True when the card's claim is not the license that binds the model: another license,
    or a weaker one while a restrictive license (the weights', a base model's) also binds."""
    if declared is None or not effective or declared.raw == "other":
        return False
    claimed = declared.license_id or declared.raw
    info = kb.get(claimed) if claimed else None

    def covers(license_id: str) -> bool:
        if license_id == claimed:
            return True
        other = kb.get(license_id)
        return bool(info and info.generic and other and other.family == info.family)

    if not any(covers(e) for e in effective):
        return True
    return any(not covers(e) and not _permissive(kb.get(e)) for e in effective)


def _permissive(info: LicenseInfo | None) -> bool:
    return info is not None and info.permissive


def _status(scans: list[FileScan], matches: list[TextMatch]) -> TextStatus:
    if not matches:
        return TextStatus.UNKNOWN if any(not s.is_notice for s in scans) else TextStatus.ABSENT
    statuses = {m.status for m in matches}
    for status in _STATUS_ORDER:
        if status in statuses:
            return status
    return TextStatus.EXACT


def _closest_similarity(scans: list[FileScan]) -> float | None:
    for scan in scans:
        if scan.ident and not scan.ident.matches and scan.ident.closest_similarity is not None:
            return scan.ident.closest_similarity
    return None


def _closest(scans: list[FileScan]) -> str | None:
    for scan in scans:
        if scan.ident and scan.ident.closest:
            return scan.ident.closest
    return None


def _verdict(
    use: UseProfile,
    identity: Identity,
    scans: list[FileScan],
    kb: KnowledgeBase,
    facts: ModelFacts,
) -> Verdict:
    reasons: list[str] = []
    if identity.status in (TextStatus.MODIFIED, TextStatus.TRUNCATED, TextStatus.UNKNOWN):
        reasons.append(f"the license text is {identity.status.value}; it must be reviewed")
    reasons.extend(
        f"{s.relpath} matches no known license{closest_hint(s)}" for s in unknown_files(scans)
    )
    infos = [kb.get(i) for i in identity.effective]
    if not identity.effective:
        reasons.append("no license was found")
    reasons.extend(
        f"license {i!r} is not in the knowledge base"
        for i, info in zip(identity.effective, infos, strict=True)
        if info is None
    )
    if reasons:
        clauses = tuple(
            Clause(
                license=m.license,
                section=d.section,
                quote=d.found,
                file=s.relpath,
                kind=d.kind.value,
            )
            for s in scans
            if s.ident
            for m in s.ident.matches
            for d in m.differences
            if d.found
        )[:5]
        return Verdict(decision=Decision.NEEDS_REVIEW, clauses=clauses, reasons=tuple(reasons))
    known = [info for info in infos if info is not None]
    return evaluate(use, known, _quoter(scans), facts)


def _quoter(scans: list[FileScan]) -> Quoter:
    clean = [(s, m) for s in scans if s.ident for m in s.ident.matches if m.status in _CLEAN]

    def quote(info: LicenseInfo, term: Term) -> Clause:
        for scan, match in clean:
            if match.license != info.id or match.role != term.doc:
                continue
            span = term.span_in(match.document)
            if span is None:
                continue
            if (
                match.status is TextStatus.EXACT
                and term.quote
                and match.document == f"{info.id}/{term.doc}"
            ):
                # Byte-identical to the canonical text: its sentence is the user's sentence.
                return Clause(
                    license=info.id,
                    section=term.section,
                    quote=term.quote,
                    file=scan.relpath,
                    kind=term.kind,
                )
            assert scan.ident is not None
            found = match.alignment.user_range(*span)
            if found is not None:
                text = scan.ident.tokens.quote(found[0], found[1], limit=600)
                return Clause(
                    license=info.id,
                    section=term.section,
                    quote=text,
                    file=scan.relpath,
                    kind=term.kind,
                )
        return kb_quote(info, term)

    return quote
