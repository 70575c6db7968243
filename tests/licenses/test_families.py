"""License families whose facts and fingerprints ship in the package: checked without any
license text (facts, clause anchors, card-declared licenses judged for a use), plus the
template rule on a corpus text when the corpus is present."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from modelsteward.licenses import PRESETS, Decision, check_license
from modelsteward.licenses.detect import identify_text, names_another
from modelsteward.licenses.kb import load_kb
from modelsteward.licenses.normalize import token_hash, words
from tests.licenses.corpus import make_model, needs_corpus, text_of

FINGERPRINTED = [
    ("mrl", "license"),
    ("mnpl", "license"),
    ("falcon-llm-license", "license"),
    ("falcon-llm-license", "policy"),
    ("tii-falcon-2.0", "policy"),
    ("cohere-c4ai", "policy"),
    ("cohere-c4ai", "policy@cohere-labs"),
    ("glm-4", "license"),
    ("chatglm3-6b", "license"),
    ("chatglm2-6b", "license"),
    ("qwen-research", "license"),
    ("tii-falcon-180b", "license"),
    ("llama2", "policy@codellama"),
    ("gemma", "license@2024-02-21"),
    ("databricks-open-model-license", "policy"),
    ("nvidia-open-model-agreement", "license"),
]


@pytest.mark.parametrize(("license_id", "doc"), FINGERPRINTED)
def test_family_has_a_fingerprint_and_anchored_clauses(license_id: str, doc: str) -> None:
    kb = load_kb()
    info = kb.get(license_id)
    fingerprint = kb.fingerprint(f"{license_id}/{doc}")
    assert info is not None and fingerprint is not None
    role = doc.split("@", 1)[0]
    canonical = kb.fingerprint(f"{license_id}/{role}")
    assert canonical is not None
    anchored = [t for t in info.terms if t.doc == role and t.quote]
    if role == "license" or license_id == "cohere-c4ai":
        assert anchored, f"no clause of {license_id} is anchored in its {role}"
    for term in anchored:
        assert term.span is not None
        assert 0 <= term.span[0] < term.span[1] <= len(canonical.hashes)


CARD_CASES = [
    # (Hub license id on the card, use preset, decision, kind of the deciding clause)
    ("mrl", "commercial-saas", Decision.NEEDS_SEPARATE_LICENSE, "non_commercial"),
    ("mrl", "research", Decision.ALLOWED, None),
    ("mnpl", "commercial-saas", Decision.NEEDS_SEPARATE_LICENSE, "non_commercial"),
    ("qwen-research", "commercial-saas", Decision.NEEDS_SEPARATE_LICENSE, "non_commercial"),
    ("cohere-c4ai", "commercial-saas", Decision.PROHIBITED, "non_commercial"),
    ("falcon-llm-license", "commercial-saas", Decision.CONDITIONAL, None),
    ("glm-4", "commercial-saas", Decision.CONDITIONAL, None),
]


@pytest.mark.parametrize(("license_id", "preset", "decision", "kind"), CARD_CASES)
def test_card_declared_family_is_judged_for_the_use(
    tmp_path: Path, license_id: str, preset: str, decision: Decision, kind: str | None
) -> None:
    card = {"license": "other", "license_name": license_id}
    result = check_license(make_model(tmp_path, card=card), PRESETS[preset])
    assert result.license_id == license_id
    assert result.verdict is not None and result.verdict.decision is decision
    if kind is not None:
        assert result.verdict.clauses and result.verdict.clauses[0].kind == kind


def test_mnpl_forbids_a_hosted_service_and_quotes_it(tmp_path: Path) -> None:
    card = {"license": "other", "license_name": "mnpl"}
    result = check_license(make_model(tmp_path, card=card), PRESETS["commercial-saas"])
    assert result.verdict is not None
    kinds = {c.kind for c in result.verdict.clauses}
    assert {"non_commercial", "no_hosted_service"} <= kinds
    hosted = next(c for c in result.verdict.clauses if c.kind == "no_hosted_service")
    assert "hosted or managed service" in hosted.quote


@needs_corpus
def test_template_issued_under_another_name_is_unknown() -> None:
    # Llama 2's words with its licensor and model renamed throughout: a license written
    # from the template, not Llama 2 modified.
    text = re.sub(r"(?i)llama", "Acme", text_of("llama2"))
    ident = identify_text(text)
    assert ident.matches == ()
    assert ident.closest == "llama2"
    assert ident.closest_similarity is not None and ident.closest_similarity > 0.9


@needs_corpus
def test_copy_without_its_title_is_still_the_license() -> None:
    lines = text_of("llama2").splitlines()
    ident = identify_text("\n".join(lines[2:]))
    assert [m.license for m in ident.matches] == ["llama2"]


def test_falcon_180b_hosting_use_needs_tii_permission(tmp_path: Path) -> None:
    card = {"license": "other", "license_name": "falcon-180b-license"}
    model = make_model(tmp_path, card=card)
    saas = check_license(model, PRESETS["commercial-saas"])
    assert saas.license_id == "tii-falcon-180b"
    assert saas.verdict is not None and saas.verdict.decision is Decision.CONDITIONAL
    api = check_license(model, replace(PRESETS["commercial-saas"], hosting_service=True))
    assert api.verdict is not None
    assert api.verdict.decision is Decision.NEEDS_SEPARATE_LICENSE
    assert api.verdict.clauses[0].section == "9.3"
    assert "Hosting Use" in api.verdict.clauses[0].quote


@pytest.mark.parametrize("key", ["llama2/license", "stable-video-diffusion-nc-community/license"])
def test_a_text_without_the_licenses_own_name_is_another_license(key: str) -> None:
    kb = load_kb()
    fingerprint = kb.fingerprint(key)
    assert fingerprint is not None
    every_word = frozenset(fingerprint.hashes)
    assert not names_another(kb, fingerprint, every_word)
    name = {token_hash(w) for w in words(kb.get(fingerprint.license).name)}  # type: ignore[union-attr]
    assert names_another(kb, fingerprint, every_word - name)


def test_a_name_said_only_in_the_title_is_not_required() -> None:
    # "MIT" appears once, in the title that copies often drop.
    kb = load_kb()
    fingerprint = kb.fingerprint("mit/license")
    assert fingerprint is not None
    assert not names_another(kb, fingerprint, frozenset(fingerprint.hashes) - {token_hash("mit")})
