"""Build src/modelsteward/licenses/data/kb.json from facts.yaml and the license corpus.

The corpus texts (``../shared/data/model-licenses/<id>/LICENSE.txt`` and their use policies)
are read, never copied: kb.json keeps a SHA-256 of each file, one 32-bit hash per word,
the section that each word falls in, and for each fact the one sentence that states it.

Standard licenses outside the corpus may be fingerprinted from a maintained data package
(``--standard-texts``: ScanCode's LicenseDB ``*.LICENSE`` files), mapped through the SPDX
index that ``license-expression`` bundles.

``--corpus`` may be given several times: a document path of facts.yaml is looked up in each
corpus in turn (the shared corpus, then texts gathered from public repositories into
``/work/cache/license-texts/kb``). A document found in no corpus keeps the fingerprint and
clause spans of the previous kb.json (``--previous``), so a rebuild never silently drops
a fingerprint whose source text is not at hand.

    .venv/bin/python scripts/build_license_kb.py [--corpus DIR ...] [--standard-texts DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from modelsteward.licenses.normalize import NUMBERING, tokenize, words  # noqa: E402

DATA = ROOT / "src" / "modelsteward" / "licenses" / "data"
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "model-licenses"
CACHE_CORPUS = Path("/work/cache/license-texts/kb")
_NUM = re.compile(r"^(?:section\s+)?(\d+(?:\.\d+)*)\.?(?=[\s:)]|$)", re.IGNORECASE)
_ROMAN = re.compile(r"^\(?([ivx]+)[.)](?=\s)")
_LETTER = re.compile(r"^\(?([a-z])[.)](?=\s)")
_UPPER_ROMAN = re.compile(r"^([IVX]+)\.(?=\s)")
_ATTACH = re.compile(r"^(attachment\s+[a-z])\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;:!?]\s|\n\s*\n")


def _heading(line: str, state: list[str | None]) -> bool:
    """Update ``state`` (number, letter, roman) from a heading line; True when it was one."""
    text = line.strip().lstrip("#*> ").replace("\\", "").strip("*").strip()
    number, letter, _roman = state
    if m := _ATTACH.match(text):
        state[:] = [m.group(1).title(), None, None]
        return True
    if m := _NUM.match(text):
        state[:] = [m.group(1), None, None]
        return True
    if m := _UPPER_ROMAN.match(text):
        state[:] = [m.group(1), None, None]
        return True
    m_roman, m_letter = _ROMAN.match(text), _LETTER.match(text)
    if m_letter and not (m_roman and letter and m_letter.group(1) != chr(ord(letter) + 1)):
        state[:] = [number, m_letter.group(1), None]
        return True
    if m_roman:
        state[:] = [number, letter, m_roman.group(1)]
        return True
    return False


def _sections(text: str, spans: tuple[tuple[int, int], ...]) -> list[list[Any]]:
    """``[token_index, label]`` pairs: where each section starts."""
    out: list[list[Any]] = []
    state: list[str | None] = [None, None, None]
    offset = 0
    token = 0
    for line in text.splitlines(keepends=True):
        while token < len(spans) and spans[token][0] < offset:
            token += 1
        if _heading(line, state):
            label = ".".join(p for p in state if p) or "preamble"
            if not out or out[-1][1] != label:
                out.append([token, label])
        offset += len(line)
    if not out or out[0][0] != 0:
        out.insert(0, [0, "preamble"])
    return out


_COPYRIGHT = re.compile(r"^\s*copyright\b", re.IGNORECASE)


def _variable(text: str, spans: tuple[tuple[int, int], ...]) -> list[list[int]]:
    """Token ranges of copyright lines: a holder's name and year may differ in every copy."""
    out: list[list[int]] = []
    offset = 0
    token = 0
    for line in text.splitlines(keepends=True):
        end = offset + len(line)
        while token < len(spans) and spans[token][0] < offset:
            token += 1
        first = token
        while token < len(spans) and spans[token][0] < end:
            token += 1
        if _COPYRIGHT.match(line) and token > first:
            out.append([first, token])
        offset = end
    return out


def _find(haystack: list[str], needle: list[str]) -> int:
    n = len(needle)
    for i in range(len(haystack) - n + 1):
        if haystack[i : i + n] == needle:
            return i
    return -1


def _sentence(
    text: str, spans: tuple[tuple[int, int], ...], start: int, end: int
) -> tuple[int, int]:
    """Widen tokens ``start..end`` to the sentence around them (at most 90 tokens)."""
    lo = start
    while lo > 0 and start - lo < 60:
        gap = text[spans[lo - 1][1] : spans[lo][0]]
        if _SENTENCE_END.search(gap):
            break
        lo -= 1
    hi = end
    while hi < len(spans) and hi - start < 120:
        gap = text[spans[hi - 1][1] : spans[hi][0]]
        if _SENTENCE_END.search(gap):
            break
        hi += 1
    return lo, hi


def _numbering(text: str, spans: tuple[tuple[int, int], ...]) -> list[int]:
    """Indexes of tokens that only number a heading or a list item at the start of a line
    ("I.", "2.1", "(a)", "Section 3"): copies renumber them freely."""
    out: list[int] = []
    token = 0
    offset = 0
    for line in text.splitlines(keepends=True):
        while token < len(spans) and spans[token][0] < offset:
            token += 1
        m = NUMBERING.match(line)
        if m:
            end = offset + m.end()
            while token < len(spans) and spans[token][1] <= end:
                out.append(token)
                token += 1
        offset += len(line)
    return out


def _urls(toks: Any) -> list[int]:
    """Indexes of tokens inside web addresses."""
    return [i for i in range(len(toks)) if toks.is_url(i)]


def _document(key: str, license_id: str, role: str, path: Path) -> tuple[dict[str, Any], Any]:
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    toks = tokenize(text)
    doc = {
        "key": key,
        "license": license_id,
        "role": role,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "hashes": list(toks.hashes),
        "sections": _sections(text, toks.spans),
        "variable": _variable(text, toks.spans),
        "numbering": _numbering(text, toks.spans),
        "urls": _urls(toks),
    }
    return doc, toks


def _scancode_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            text = text[end + 4 :]
    return text.strip() + "\n"


def _locate(corpora: list[Path], rel: str) -> Path | None:
    for root in corpora:
        if (root / rel).is_file():
            return root / rel
    return None


def _term_key(term: dict[str, Any]) -> tuple[str, str, str, str]:
    return (term["kind"], str(term["section"]), term.get("doc", "license"), term["text"])


def _reuse_spans(
    entry: dict[str, Any],
    old: dict[str, Any],
    reused: dict[str, dict[str, Any]],
    names: list[str],
) -> None:
    """Clause spans of ``reused`` documents (name -> previous document) for ``entry``."""
    old_terms = {_term_key(t): t for t in old.get("terms", [])}
    for term in entry.get("terms", []):
        role = term.get("doc", "license")
        prev = old_terms.get(_term_key(term))
        for name, doc in reused.items():
            if name.split("@", 1)[0] != role:
                continue
            key = f"{entry['id']}/{name}"
            span = None
            if prev is not None:
                span = (prev.get("spans") or {}).get(key) or (
                    prev.get("span") if name == role else None
                )
            if span is None and term.get("anchor"):
                at = _find_hashes(doc["hashes"], words(term["anchor"]))
                if at >= 0:
                    span = [at, at + len(words(term["anchor"]))]
            if span is None:
                continue
            if sum(1 for n in names if n.split("@", 1)[0] == role) > 1:
                term.setdefault("spans", {})[key] = span
            if name == role:
                term["span"] = span
                if prev is not None and "quote" in prev:
                    term["quote"] = prev["quote"]
                else:
                    term.setdefault("quote", term["anchor"])


def _find_hashes(hashes: list[int], needle: list[str]) -> int:
    from modelsteward.licenses.normalize import token_hash

    return _find([str(h) for h in hashes], [str(token_hash(w)) for w in needle])


def build(
    corpora: list[Path], standard_texts: Path | None, previous: Path | None = None
) -> dict[str, Any]:
    """Compile facts and fingerprints into the kb.json structure."""
    facts = yaml.safe_load((DATA / "facts.yaml").read_text(encoding="utf-8"))
    licenses: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    spdx_keys = _spdx_index()
    old_docs: dict[str, dict[str, Any]] = {}
    old_licenses: dict[str, dict[str, Any]] = {}
    if previous is not None and previous.is_file():
        old = json.loads(previous.read_text(encoding="utf-8"))
        old_docs = {d["key"]: d for d in old["documents"]}
        old_licenses = {lic["id"]: lic for lic in old["licenses"]}
    for entry in facts["licenses"]:
        entry = json.loads(json.dumps(entry))  # detach YAML aliases shared between entries
        toks_by_doc: dict[str, Any] = {}
        reused: dict[str, dict[str, Any]] = {}
        for name, rel in (entry.pop("docs", None) or {}).items():
            role = name.split("@", 1)[0]
            key = f"{entry['id']}/{name}"
            path = _locate(corpora, rel)
            if path is None:
                if key not in old_docs:
                    raise SystemExit(f"{key}: {rel} is in no corpus and not in --previous")
                documents.append(old_docs[key])
                reused[name] = old_docs[key]
                continue
            doc, toks = _document(key, entry["id"], role, path)
            documents.append(doc)
            toks_by_doc[name] = toks
        standard_key = f"{entry['id']}/license"
        if not toks_by_doc and not reused and standard_texts is None and standard_key in old_docs:
            documents.append(old_docs[standard_key])
        if not toks_by_doc and not reused and standard_texts is not None:
            key = spdx_keys.get(entry["spdx"].lower())
            path = standard_texts / f"{key}.LICENSE" if key else None
            if path is not None and path.is_file():
                text = _scancode_text(path)
                toks = tokenize(text)
                documents.append(
                    {
                        "key": f"{entry['id']}/license",
                        "license": entry["id"],
                        "role": "license",
                        "sha256": hashlib.sha256(text.encode()).hexdigest(),
                        "hashes": list(toks.hashes),
                        "sections": [[0, "preamble"]],
                        "variable": _variable(text, toks.spans),
                        "numbering": _numbering(text, toks.spans),
                        "urls": _urls(toks),
                    }
                )
        for term in entry.get("terms", []):
            anchor = term.pop("anchor", None)
            role = term.setdefault("doc", "license")
            if anchor is None:
                continue
            spans: dict[str, list[int]] = {}
            for name, toks in toks_by_doc.items():
                if name.split("@", 1)[0] != role:
                    continue
                at = _find(words(toks.text), words(anchor))
                if at < 0:
                    if name == role:
                        raise SystemExit(f"{entry['id']}: anchor not found in {role}: {anchor!r}")
                    continue
                lo, hi = _sentence(toks.text, toks.spans, at, at + len(words(anchor)))
                spans[f"{entry['id']}/{name}"] = [lo, hi]
                if name == role:
                    term["span"] = [lo, hi]
                    term["quote"] = toks.quote(lo, hi, limit=600)
            if sum(1 for name in [*toks_by_doc, *reused] if name.split("@", 1)[0] == role) > 1:
                term["spans"] = spans
            term["anchor"] = anchor
        if reused:
            _reuse_spans(entry, old_licenses.get(entry["id"], {}), reused, [*toks_by_doc, *reused])
        for term in entry.get("terms", []):
            term.pop("anchor", None)
        entry.setdefault("name", entry["id"])
        entry.setdefault("aliases", [])
        licenses.append(entry)
    return {"format": 1, "licenses": licenses, "documents": documents}


def _spdx_index() -> dict[str, str]:
    """SPDX id (lowercased) -> ScanCode license key, from license-expression's bundled index."""
    import license_expression

    index = Path(license_expression.__file__).parent / "data" / "scancode-licensedb-index.json"
    out: dict[str, str] = {}
    for item in json.loads(index.read_text(encoding="utf-8")):
        for spdx in [item.get("spdx_license_key") or "", *item.get("other_spdx_license_keys", [])]:
            if spdx:
                out.setdefault(spdx.lower(), item["license_key"])
    return out


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", default=None)
    parser.add_argument("--standard-texts", type=Path, default=None)
    parser.add_argument("--previous", type=Path, default=DATA / "kb.json")
    args = parser.parse_args()
    kb = build(args.corpus or [DEFAULT_CORPUS, CACHE_CORPUS], args.standard_texts, args.previous)
    out = DATA / "kb.json"
    out.write_text(json.dumps(kb, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    print(
        f"wrote {out} ({out.stat().st_size} bytes, {len(kb['licenses'])} licenses, "
        f"{len(kb['documents'])} documents)"
    )


if __name__ == "__main__":
    main()
