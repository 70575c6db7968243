"""Measure the similarity threshold that separates "a copy of license X" from "another
license that shares passages with X".

For every text of the build corpus, the knowledge base is rebuilt without that license's
whole family (leave-one-family-out: versions of one family are meant to be told apart by
their quoted differences, not called unknown) and the text is aligned with its nearest
remaining license: that similarity is what an unknown license scores. The same text
aligned with its own license after each edit of ``run_bench.py`` (a changed number, a
deleted line, an inserted sentence, a truncation) is what a modified copy scores. Results go to
``bench/licenses/threshold.json``.

    .venv/bin/python bench/licenses/threshold.py
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "licenses"))

from run_bench import EDITS, _documents, variants  # noqa: E402

from modelsteward.licenses import detect  # noqa: E402
from modelsteward.licenses.kb import load_kb  # noqa: E402
from modelsteward.licenses.normalize import tokenize  # noqa: E402


def _best_similarity(text: str, kb: object) -> tuple[str | None, float, float]:
    """The nearest license, its similarity inside the aligned span and its coverage."""
    tokens = tokenize(text)
    best: tuple[str | None, float, float] = (None, 0.0, 0.0)
    for fp, _, _ in detect._candidates(kb, tokens, 0, len(tokens), set())[:6]:  # type: ignore[arg-type]
        alignment = detect.align(tokens, 0, len(tokens), fp)
        if alignment is not None:
            score = detect.similarity(alignment)
            cover = detect.canonical_coverage(alignment, fp)
            if min(score, cover) > min(best[1], best[2]):
                best = (fp.license, score, cover)
    return best


def _score(row: dict[str, object]) -> float:
    return min(float(row["similarity"]), float(row["coverage"]))  # type: ignore[arg-type]


def main() -> None:
    """Measure and write threshold.json."""
    kb = load_kb()
    others: list[dict[str, object]] = []
    own: list[dict[str, object]] = []
    for license_id, role, path, _tag in _documents():
        text = path.read_text(encoding="utf-8")
        family = kb.licenses[license_id].family
        prints = tuple(f for f in kb.fingerprints if kb.licenses[f.license].family != family)
        reduced = replace(kb, fingerprints=prints)
        object.__setattr__(reduced, "_index", None)
        reduced.__dict__.pop("_index", None)
        nearest, score, cover = _best_similarity(text, reduced)
        others.append(
            {
                "text": f"{license_id}/{role}",
                "nearest": nearest,
                "similarity": score,
                "coverage": cover,
            }
        )
        for edit in EDITS:
            edited = variants(text)[edit]
            _, own_score, own_cover = _best_similarity(edited, kb)
            own.append(
                {
                    "text": f"{license_id}/{role}",
                    "edit": edit,
                    "similarity": own_score,
                    "coverage": own_cover,
                }
            )
    top_other = max(others, key=_score)
    low_own = min(own, key=_score)
    out = {
        "threshold": detect.MIN_SIMILARITY,
        "highest_similarity_to_another_license": top_other,
        "lowest_similarity_of_an_edited_copy": low_own,
        "other_licenses": sorted(others, key=_score, reverse=True),
        "edited_copies": own,
    }
    target = ROOT / "bench" / "licenses" / "threshold.json"
    target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print("highest to another license:", top_other)
    print("lowest edited copy:", low_own)


if __name__ == "__main__":
    main()
