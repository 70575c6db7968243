"""Every decision, for several use profiles, with the deciding clause quoted from the file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from modelsteward.licenses import PRESETS, Decision, UseProfile, check_license
from tests.licenses.corpus import VISION_CONFIG, make_model, needs_corpus, text_of

pytestmark = needs_corpus

CASES = [
    # (license, policy?, preset, decision, section of the first clause, words in its quote)
    ("mit", False, "research", Decision.ALLOWED, None, None),
    ("apache-2.0", False, "commercial-saas", Decision.ALLOWED, None, None),
    ("apache-2.0", False, "redistribution", Decision.CONDITIONAL, "4", "a copy of this License"),
    ("llama3", False, "commercial-saas", Decision.CONDITIONAL, "1.b.i", "Built with Meta Llama 3"),
    ("llama3", False, "hyperscale", Decision.NEEDS_SEPARATE_LICENSE, "2", "700 million"),
    ("llama3", False, "distillation", Decision.PROHIBITED, "1.b.v", "improve any other large"),
    ("llama2", False, "distillation", Decision.PROHIBITED, "1.b.v", "improve any other large"),
    ("llama3.1", False, "distillation", Decision.CONDITIONAL, "1.b.iv", "Acceptable Use Policy"),
    ("llama3.1", False, "commercial-saas", Decision.CONDITIONAL, "1.b.i", "Built with Llama"),
    ("llama3.2", True, "eu-multimodal-saas", Decision.PROHIBITED, "AUP", "European Union"),
    ("llama3.3", True, "eu-multimodal-saas", Decision.PROHIBITED, "AUP", "European Union"),
    ("llama4", True, "eu-multimodal-saas", Decision.PROHIBITED, "AUP", "European Union"),
    ("llama3.2", True, "commercial-saas", Decision.CONDITIONAL, "1.b.i", "Built with Llama"),
    ("llama4", False, "hyperscale", Decision.NEEDS_SEPARATE_LICENSE, "2", "700 million"),
    ("gemma", False, "commercial-saas", Decision.CONDITIONAL, "3.1", "enforceable provision"),
    ("qwen", False, "hyperscale", Decision.NEEDS_SEPARATE_LICENSE, "4", "100 million"),
    ("qwen", False, "internal", Decision.ALLOWED, None, None),
    ("tongyi-qianwen", False, "distillation", Decision.PROHIBITED, "5.b", "improve any other"),
    (
        "tongyi-qianwen-research",
        False,
        "internal",
        Decision.NEEDS_SEPARATE_LICENSE,
        "2.b",
        "commercially using the Materials",
    ),
    ("tongyi-qianwen-research", False, "research", Decision.ALLOWED, None, None),
    (
        "stabilityai-community",
        False,
        "startup-saas",
        Decision.CONDITIONAL,
        "IV.a",
        "Distribution & Attribution",
    ),
    (
        "stabilityai-community",
        False,
        "commercial-saas",
        Decision.NEEDS_SEPARATE_LICENSE,
        "III",
        "1,000,000",
    ),
    ("sai-nc-community", False, "internal", Decision.PROHIBITED, "1.a", "non-commercial"),
    ("cc-by-nc-4.0", False, "commercial-saas", Decision.PROHIBITED, "2.a.1", "NonCommercial"),
    ("cc-by-nc-sa-4.0", False, "research", Decision.ALLOWED, None, None),
    ("cc-by-sa-4.0", False, "redistribution", Decision.CONDITIONAL, "3.a", "You must"),
    (
        "bigscience-openrail-m",
        False,
        "commercial-saas",
        Decision.CONDITIONAL,
        "4.a",
        "enforceable provision",
    ),
    ("creativeml-openrail-m", False, "research", Decision.CONDITIONAL, "5", "restricted uses"),
    ("deepseek", False, "commercial-saas", Decision.CONDITIONAL, "4.a", "enforceable provision"),
    ("nvidia-open-model-license", False, "internal", Decision.CONDITIONAL, "2.3", "Trustworthy AI"),
    ("openmdw-1.1", False, "hyperscale", Decision.ALLOWED, None, None),
    (
        "openmdw-1.0",
        False,
        "redistribution",
        Decision.CONDITIONAL,
        "distribution",
        "retain in your",
    ),
]


@pytest.mark.parametrize(
    ("license_id", "with_policy", "preset", "decision", "section", "words"),
    CASES,
    ids=[f"{c[0]}-{c[2]}" for c in CASES],
)
def test_decision_and_clause_from_the_users_file(
    tmp_path: Path,
    license_id: str,
    with_policy: bool,
    preset: str,
    decision: Decision,
    section: str | None,
    words: str | None,
) -> None:
    files = {"LICENSE": text_of(license_id)}
    if with_policy:
        files["USE_POLICY.md"] = text_of(license_id, "policy")
    config = VISION_CONFIG if preset == "eu-multimodal-saas" else None
    model = make_model(tmp_path, card={"license": license_id}, files=files, config=config)
    result = check_license(model, PRESETS[preset])
    assert result.license_id == license_id
    assert result.decision is decision
    assert result.verdict is not None
    if section is None:
        assert result.verdict.clauses == ()
        return
    clause = result.verdict.clauses[0]
    assert (clause.license, clause.section) == (license_id, section)
    assert words is not None and words in clause.quote
    assert clause.file in files
    assert clause.quote in files[clause.file].replace("\n", " ") or words in files[clause.file]


@pytest.mark.parametrize("preset", ["research", "commercial-saas", "hyperscale"])
@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("700 million", "7 billion"),
        lambda t: t[: len(t) // 2],
        lambda t: t.replace("You will not use the Llama Materials or any output", "You may use"),
    ],
    ids=["number", "truncated", "clause"],
)
def test_edited_text_always_needs_review(tmp_path: Path, preset: str, edit: object) -> None:
    assert callable(edit)
    model = make_model(
        tmp_path, card={"license": "llama3"}, files={"LICENSE": edit(text_of("llama3"))}
    )
    result = check_license(model, PRESETS[preset])
    assert result.decision is Decision.NEEDS_REVIEW
    assert result.obligations == ()
    assert "license.use.needs-review" in result.report.rule_ids()


def test_modified_text_cites_the_users_words(tmp_path: Path) -> None:
    text = text_of("llama3").replace("700 million", "7 billion")
    model = make_model(tmp_path, card={"license": "llama3"}, files={"LICENSE": text})
    result = check_license(model, PRESETS["commercial-saas"])
    assert result.verdict is not None
    [clause] = result.verdict.clauses
    assert (clause.section, clause.quote, clause.file) == ("2", "7 billion", "LICENSE")
    modified = [f for f in result.report.findings if f.rule_id == "license.text.modified"]
    assert [f.evidence for f in modified] == ["7 billion"]
    assert modified[0].location.line is not None


def test_unknown_text_needs_review(tmp_path: Path) -> None:
    model = make_model(
        tmp_path, card={"license": "other"}, files={"LICENSE": "Proprietary. Ask us first.\n"}
    )
    result = check_license(model, PRESETS["research"])
    assert (result.status.value, result.decision) == ("unknown", Decision.NEEDS_REVIEW)
    assert "license.text.unknown" in result.report.rule_ids()


def test_custom_profile_threshold_boundary(tmp_path: Path) -> None:
    model = make_model(tmp_path, files={"LICENSE": text_of("qwen")})
    at = UseProfile(commercial=True, monthly_active_users=100_000_000)
    above = UseProfile(commercial=True, monthly_active_users=100_000_001)
    assert check_license(model, at).decision is Decision.ALLOWED
    assert check_license(model, above).decision is Decision.NEEDS_SEPARATE_LICENSE


def test_without_use_there_is_no_verdict(tmp_path: Path) -> None:
    model = make_model(tmp_path, card={"license": "mit"}, files={"LICENSE": text_of("mit")})
    result = check_license(model)
    assert (result.decision, result.verdict, result.status.value) == (None, None, "exact")


@pytest.mark.parametrize("license_id", ["llama3.2", "llama4"])
def test_eu_clause_binds_only_a_model_that_takes_images(tmp_path: Path, license_id: str) -> None:
    files = {"LICENSE": text_of(license_id), "USE_POLICY.md": text_of(license_id, "policy")}
    card = {"license": license_id}
    text_only = make_model(tmp_path, "text-1b", card=card, files=files)
    vision = make_model(tmp_path, "vision-11b", card=card, files=files, config=VISION_CONFIG)
    bare = make_model(tmp_path, "no-config", card=card, files=files)
    (bare / "config.json").unlink()
    profile = PRESETS["eu-multimodal-saas"]
    text_result = check_license(text_only, profile)
    assert text_result.decision is Decision.CONDITIONAL
    assert text_result.model.multimodal is False
    assert all(c.kind != "geographic" for c in text_result.verdict.clauses)  # type: ignore[union-attr]
    vision_result = check_license(vision, profile)
    assert vision_result.decision is Decision.PROHIBITED
    assert vision_result.model.modalities == ("vision",)
    assert vision_result.verdict.clauses[0].kind == "geographic"  # type: ignore[union-attr]
    # Without a config the model's modality is unknown: the profile's answer stands.
    assert check_license(bare, profile).decision is Decision.PROHIBITED


def test_processor_file_makes_a_model_multimodal(tmp_path: Path) -> None:
    files = {"LICENSE": text_of("llama3.2"), "USE_POLICY.md": text_of("llama3.2", "policy")}
    model = make_model(tmp_path, card={"license": "llama3.2"}, files=files)
    (model / "preprocessor_config.json").write_text(
        '{"image_processor_type": "MllamaImageProcessor"}', encoding="utf-8"
    )
    result = check_license(model, PRESETS["eu-multimodal-saas"])
    assert result.model.modalities == ("vision",)
    assert result.decision is Decision.PROHIBITED


@pytest.mark.parametrize(
    ("regions", "decision"),
    [((), Decision.CONDITIONAL), (("UK",), Decision.PROHIBITED), (("KR",), Decision.PROHIBITED)],
)
def test_hunyuan_territory_excludes_uk_and_south_korea(
    tmp_path: Path, regions: tuple[str, ...], decision: Decision
) -> None:
    model = make_model(tmp_path, files={"LICENSE": text_of("tencent-hunyuan-3d-2.1")})
    profile = replace(PRESETS["startup-saas"], regions=regions)
    result = check_license(model, profile)
    assert result.license_id == "tencent-hunyuan-3d-2.1"
    assert result.decision is decision
    if decision is Decision.PROHIBITED:
        clause = result.verdict.clauses[0]  # type: ignore[union-attr]
        assert clause.kind == "geographic" and "outside the Territory" in clause.quote


def test_hunyuan_dit_territory_excludes_only_the_eu(tmp_path: Path) -> None:
    model = make_model(tmp_path, files={"LICENSE": text_of("tencent-hunyuan-dit")})
    uk = replace(PRESETS["startup-saas"], regions=("UK",))
    eu = replace(PRESETS["startup-saas"], eu_entity=True)
    assert check_license(model, uk).decision is Decision.CONDITIONAL
    assert check_license(model, eu).decision is Decision.PROHIBITED


@pytest.mark.parametrize("license_id", ["tongyi-qianwen", "qwen"])
def test_qwen_family_redistribution_carries_the_agreement_and_notice(
    tmp_path: Path, license_id: str
) -> None:
    model = make_model(tmp_path, files={"LICENSE": text_of(license_id)})
    result = check_license(model, PRESETS["redistribution"])
    assert result.decision is Decision.CONDITIONAL
    assert any("copy of the agreement" in o for o in result.obligations)
    assert any(
        c.section == "3" and "copy of this Agreement" in c.quote for c in result.verdict.clauses
    )  # type: ignore[union-attr]
