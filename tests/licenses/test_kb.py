"""The shipped knowledge base: in sync with facts.yaml and the corpus, and no texts in it."""

from __future__ import annotations

import importlib.util
import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from modelsteward.licenses import RULES, load_kb
from tests.licenses.corpus import CORPUS, DOCUMENTS, LICENSE_IDS, needs_corpus

ROOT = Path(__file__).resolve().parents[2]


def _shipped() -> dict[str, object]:
    text = resources.files("modelsteward.licenses").joinpath("data/kb.json").read_text("utf-8")
    data: dict[str, object] = json.loads(text)
    return data


@needs_corpus
def test_every_corpus_license_has_facts_and_fingerprints() -> None:
    kb = load_kb()
    for license_id in LICENSE_IDS:
        info = kb.get(license_id)
        assert info is not None and info.terms, license_id
        assert kb.fingerprint(f"{license_id}/license") is not None
    canonical = [f for f in kb.fingerprints if f.license in LICENSE_IDS and "@" not in f.key]
    assert len(DOCUMENTS) == len(canonical)


@needs_corpus
def test_shipped_kb_matches_a_fresh_build() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_kb", ROOT / "scripts" / "build_license_kb.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    facts = yaml.safe_load((ROOT / "src/modelsteward/licenses/data/facts.yaml").read_text())
    wanted = [rel for entry in facts["licenses"] for rel in (entry.get("docs") or {}).values()]
    corpora = [CORPUS, module.CACHE_CORPUS]
    missing = [rel for rel in wanted if not any((c / rel).is_file() for c in corpora)]
    if missing:
        pytest.skip(f"the license corpora lack {len(missing)} text(s), e.g. {missing[0]}")
    fresh = module.build(corpora, None)
    shipped = _shipped()
    assert fresh["licenses"] == shipped["licenses"]
    by_key = {d["key"]: d for d in shipped["documents"]}  # type: ignore[attr-defined]
    for doc in fresh["documents"]:
        assert by_key[doc["key"]] == doc


@needs_corpus
def test_no_license_text_is_shipped() -> None:
    shipped = json.dumps(_shipped(), ensure_ascii=False)
    quotes = {t.quote for info in load_kb().licenses.values() for t in info.terms}
    for _, _, path in DOCUMENTS:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for quote in quotes:
            text = text.replace(quote, " ")
        windows = [w for w in re.split(r"\s{2,}", text) if len(w) >= 400]
        for window in windows:
            for start in range(0, len(window) - 200, 200):
                assert window[start : start + 200] not in shipped, path


def test_alias_lookup() -> None:
    kb = load_kb()
    assert kb.lookup("Apache 2.0") == "apache-2.0"
    assert kb.lookup("LLAMA_3") == "llama3"
    assert kb.lookup("GPL-3.0-only") == "gpl-3.0"
    assert kb.lookup("no such license") is None


def test_rule_ids_are_documented() -> None:
    docs = (ROOT / "docs" / "licenses.md").read_text(encoding="utf-8")
    for rule_id in RULES:
        assert f"`{rule_id}`" in docs, rule_id
