"""Identify the licenses in a text: candidate selection by shingles, then alignment.

A file may hold several licenses (a license with its use policy appended, or two licenses
concatenated); each is found in turn in what the previous ones left. Text left over before,
between or after the licenses is a title or a header when it is short and states no terms;
otherwise it is an insertion, and the text is ``modified``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from itertools import chain, repeat

from modelsteward.licenses.diff import Alignment, Difference, DiffKind, TextStatus, align
from modelsteward.licenses.kb import Fingerprint, KnowledgeBase, load_kb
from modelsteward.licenses.normalize import URL, Tokens, shingles, token_hash, tokenize, words

_MIN_COVERAGE = 0.15
"""Share of a fingerprint's shingles a text must contain to be identified as it."""
_CLOSEST_COVERAGE = 0.03
_MIN_SPAN = 30
_CONTENDERS = 6
_SHINGLE_SLACK = 8
_COPYRIGHT = re.compile(r"\W{0,24}(copyright|\(c\)|©)", re.IGNORECASE)
_CLOSE = 0.6
MIN_SIMILARITY = 0.73
"""Share of the user's aligned words the canonical text must explain for the text to be
called that license; below it the text is ``unknown`` and only its closest license is
named, with the similarity. Measured by ``bench/licenses/threshold.py``: copies with a
number, a line or a sentence edited, or cut short, score 0.78 or more; texts of other
license families score 0.68 or less (MIT against BSL-1.0 0.68, the FLUX.1 non-commercial
license against LLaMA 1 0.53), except licenses written from another's template (the
OpenRAIL family and DeepSeek 0.75-0.86, TII Falcon 2 and Apache 2.0 0.75-0.97, SDXL 0.9
research and LLaMA 1 0.96-0.98), which are reported as that template, modified, with the
passages quoted, when their own text is not known."""
MIN_COVERAGE = 0.3
"""Share of the canonical document's words that must be found as well."""
_HEADER_TOKENS = 30
_NAME_GENERIC = frozenset(
    [
        "license",
        "licence",
        "agreement",
        "community",
        "the",
        "terms",
        "use",
        "version",
        "and",
        "model",
        "models",
        "open",
        "research",
        "non",
        "commercial",
        "noncommercial",
        "acceptable",
        "policy",
        "prohibited",
        "for",
        "with",
        "rail",
        "public",
        "source",
        "software",
        "code",
        "sample",
        "machine",
        "learning",
        "international",
        "attribution",
        "sharealike",
        "derivatives",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
"""Words of a license's name that do not name its licensor, model or family."""
_TERMS_WORDS = frozenset(
    [
        "shall",
        "must",
        "may",
        "not",
        "will",
        "cannot",
        "prohibited",
        "only",
        "except",
        "unless",
        "without",
        "no",
        "never",
        "forbidden",
        "restricted",
        "terminate",
    ]
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMatch:
    """One license found in a text."""

    license: str
    document: str
    """The fingerprint key, ``<license>/<role>``."""
    role: str
    status: TextStatus
    coverage: float
    """Share of the canonical document's shingles found in the text."""
    alignment: Alignment
    differences: tuple[Difference, ...]
    """Inner differences plus any non-header text around the match."""
    similarity: float = 1.0
    """Share of words in common inside the aligned span (1.0: same words)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextIdentification:
    """Everything found in one text."""

    tokens: Tokens
    matches: tuple[TextMatch, ...]
    closest: str | None
    """The nearest license when nothing matched well enough (for ``unknown`` texts)."""
    header: str = ""
    """A prepended title or header that was ignored."""
    closest_similarity: float | None = None
    """The similarity of the closest license (for ``unknown`` texts)."""


def _candidates(
    kb: KnowledgeBase, tokens: Tokens, start: int, end: int, exclude: set[str]
) -> list[tuple[Fingerprint, int, float]]:
    """Fingerprints sharing shingles with the span: (fingerprint, shared, coverage), most
    shared first."""
    index = kb.shingle_index()
    text = shingles(tokens.hashes[start:end])
    counts = Counter(chain.from_iterable(map(index.get, text, repeat(()))))
    out = []
    for number, count in counts.items():
        fp = kb.fingerprints[number]
        if fp.key not in exclude:
            out.append((fp, count, count / len(fp.shingle_set)))
    out.sort(key=lambda item: (item[1], item[2]), reverse=True)
    return out


def similarity(alignment: Alignment) -> float:
    """Share of the user's aligned words that the canonical text explains (words of the
    user's span inside matching runs). A copy with a passage deleted or cut short keeps
    1.0; inserted or replaced words lower it; another license sharing a template with this
    one scores the share of its words that the template explains."""
    user = alignment.end - alignment.start
    if not alignment.blocks or user <= 0:
        return 0.0
    return sum(size for _, _, size in alignment.blocks) / user


def canonical_coverage(alignment: Alignment, fingerprint: Fingerprint) -> float:
    """Share of the canonical document's words that the alignment found."""
    matched = sum(size for _, _, size in alignment.blocks)
    return matched / len(fingerprint.hashes) if fingerprint.hashes else 0.0


def _quality(alignment: Alignment) -> int:
    """Words explained by the alignment, less a heavy penalty for words that differ inside it
    (a near-identical neighbour version explains more words only by differing in many)."""
    matched = sum(size for _, _, size in alignment.blocks)
    differing = sum(len(d.found.split()) + d.canonical_words for d in alignment.differences)
    return matched - 3 * differing


def _best(
    kb: KnowledgeBase, tokens: Tokens, start: int, end: int, exclude: set[str]
) -> tuple[Fingerprint, float, Alignment] | float:
    """The fingerprint that explains the span best, aligned; or the best coverage seen.

    Versions of one license share most of their words (Llama 3 and 3.1, a license with its
    use policy appended), so close contenders are all aligned and the one with the fewest
    differing words wins.
    """
    ranked = [c for c in _candidates(kb, tokens, start, end, exclude) if c[2] >= _MIN_COVERAGE]
    if not ranked:
        return max((c[2] for c in _candidates(kb, tokens, start, end, exclude)), default=0.0)
    top = ranked[0][1]
    best: tuple[int, Fingerprint, float, Alignment] | None = None
    for fp, count, coverage in ranked[:_CONTENDERS]:
        if count < top * _CLOSE:
            break
        if best is not None and min(len(fp.hashes), end - start) <= best[0]:
            # It cannot explain more words than the best alignment already found. (Shared
            # shingles are no bound: a copy that numbers list items breaks shingles, not
            # words.)
            continue
        alignment = align(tokens, start, end, fp)
        if alignment is None:
            continue
        quality = _quality(alignment)
        if best is None or quality > best[0]:
            best = (quality, fp, coverage, alignment)
        if not alignment.differences and not alignment.missing_head:
            break
    return (best[1], best[2], best[3]) if best else 0.0


def _nearest(
    kb: KnowledgeBase, tokens: Tokens, start: int, end: int
) -> tuple[str | None, float | None]:
    """The license sharing most passages with the span, and the similarity of the two."""
    ranked = _candidates(kb, tokens, start, end, set())
    if not ranked:
        return None, None
    fp = ranked[0][0]
    alignment = align(tokens, start, end, fp)
    return fp.license, (similarity(alignment) if alignment else 0.0)


def _is_header(tokens: Tokens, start: int, end: int) -> bool:
    if end - start > _HEADER_TOKENS:
        return False
    first = tokens.spans[start][0]
    raw = tokens.text[first : tokens.spans[end - 1][1]]
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    lead = tokens.text[tokens.text.rfind("\n", 0, first) + 1 : first]
    if len(lines) == 1 and lead.strip().startswith("#") and not lines[0].endswith("."):
        return True  # one markdown heading line: a title, whatever its words
    if len(lines) > 3 or _TERMS_WORDS.intersection(words(URL.sub(" ", raw))):
        return False
    # A title has no sentence in it; a copyright line may end with a full stop.
    return all(not line.endswith(".") or _COPYRIGHT.match(line) for line in lines)


def identify_text(
    text: str, kb: KnowledgeBase | None = None, *, sha256: str | None = None
) -> TextIdentification:
    """Find every license in ``text`` and classify each against its canonical version.

    ``sha256`` is the digest of the file's raw bytes; an exact copy is recognised by it.
    """
    kb = kb or load_kb()
    sha256 = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    exact = kb.by_sha.get(sha256)
    if exact is not None:
        # Same bytes, same words: no need to tokenise.
        tokens = Tokens(text, exact.hashes)
        full = Alignment(
            start=0,
            end=len(tokens),
            blocks=((0, 0, len(tokens)),),
            differences=(),
            missing_head=0,
            missing_tail=0,
        )
        match = TextMatch(
            license=exact.license,
            document=exact.key,
            role=exact.role,
            status=TextStatus.EXACT,
            coverage=1.0,
            alignment=full,
            differences=(),
        )
        return TextIdentification(tokens=tokens, matches=(match,), closest=exact.license)
    tokens = tokenize(text)
    found: list[tuple[Fingerprint, float, Alignment]] = []
    closest: str | None = None
    closest_similarity: float | None = None
    pending = [(0, len(tokens))]
    seen: set[str] = set()
    present: frozenset[int] | None = None
    while pending:
        start, end = pending.pop()
        if end - start < _MIN_SPAN and found:
            continue
        best = _best(kb, tokens, start, end, seen)
        if isinstance(best, float):
            if closest is None and (best >= _CLOSEST_COVERAGE or not found):
                closest, closest_similarity = _nearest(kb, tokens, start, end)
            continue
        fp, coverage, alignment = best
        score = similarity(alignment)
        if score < MIN_SIMILARITY or canonical_coverage(alignment, fp) < MIN_COVERAGE:
            # Shares passages with a known license but is not it (another license built
            # from the same template, or a custom text): unknown, with the nearest named.
            if not found and (closest_similarity is None or score > closest_similarity):
                closest, closest_similarity = fp.license, score
            continue
        if present is None:
            present = frozenset(tokens.hashes)
        if names_another(kb, fp, present):
            # The template of a known license, issued under another name (a licensor's
            # own name replaced throughout): not that license, though its words are close.
            if not found and (closest_similarity is None or score > closest_similarity):
                closest, closest_similarity = fp.license, score
            continue
        seen.add(fp.key)
        found.append((fp, coverage, alignment))
        pending.extend([(start, alignment.start), (alignment.end, end)])
    if found:
        closest = found[0][0].license
        closest_similarity = None
    ident = _assemble(tokens, found, closest)
    if closest_similarity is not None:
        ident = replace(ident, closest_similarity=round(closest_similarity, 3))
    return ident


def names_another(kb: KnowledgeBase, fp: Fingerprint, present: frozenset[int]) -> bool:
    """True when a text lacks a word of the license's own name (its licensor, model or
    family: "Llama", "Stable Video Diffusion", "Apache") that the canonical document
    repeats at least twice, so that no faithful copy, even without its title, drops it.
    Such a text is another license written from this one's template."""
    info = kb.get(fp.license)
    if info is None:
        return False
    wanted = {
        token_hash(word)
        for word in words(info.name)
        if len(word) > 2 and word not in _NAME_GENERIC and not any(c.isdigit() for c in word)
    }
    if not wanted - present:
        return False
    counts = Counter(h for h in fp.hashes if h in wanted)
    return any(counts[h] >= 2 for h in wanted - present)


def _assemble(
    tokens: Tokens, found: list[tuple[Fingerprint, float, Alignment]], closest: str | None
) -> TextIdentification:
    found.sort(key=lambda item: item[2].start)
    extra: dict[int, list[Difference]] = {i: [] for i in range(len(found))}
    header = ""
    cursor = 0
    stops = [alignment.start for _, _, alignment in found] + [len(tokens)]
    for i, stop in enumerate(stops):
        if stop > cursor and found:
            if _is_header(tokens, cursor, stop):
                header = tokens.quote(cursor, stop) if i == 0 else header
            else:
                extra[max(i - 1, 0)].append(
                    Difference(
                        kind=DiffKind.INSERTED,
                        section="end" if i > 0 else "start",
                        found=tokens.quote(cursor, stop),
                        canonical_words=0,
                        line=tokens.offset_line(cursor),
                    )
                )
        if i < len(found):
            cursor = max(cursor, found[i][2].end)
    matches = []
    for i, (fp, coverage, alignment) in enumerate(found):
        differences = alignment.differences + tuple(extra[i])
        status = TextStatus.MODIFIED if differences else alignment.status
        matches.append(
            TextMatch(
                license=fp.license,
                document=fp.key,
                role=fp.role,
                status=status,
                coverage=coverage,
                alignment=alignment,
                differences=differences,
                similarity=round(similarity(alignment), 3),
            )
        )
    return TextIdentification(tokens=tokens, matches=tuple(matches), closest=closest, header=header)


_NAME_HINT = re.compile(r"licen[cs]e|copying|notice|use[_-]?policy|acceptable[_-]?use", re.I)


def is_license_file(name: str) -> bool:
    """True for LICENSE*, LICENCE*, COPYING*, NOTICE*, USE_POLICY*, ACCEPTABLE_USE*,
    *PROHIBITED_USE* file names (any case)."""
    return bool(_NAME_HINT.search(name)) and not name.lower().endswith((".py", ".json"))
