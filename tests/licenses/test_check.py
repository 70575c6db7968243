"""Metadata, fine-tunes and adapters, lineage and the JSON contract of one result."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.demo import build_workspace
from modelsteward.licenses import PRESETS, Decision, Flag, LineageHit, LineageVia, check_license
from modelsteward.licenses.detect import MIN_SIMILARITY
from tests.licenses.corpus import make_model, needs_corpus, text_of

LLAMA3_BASE = "meta-llama/Meta-Llama-3-8B-Instruct"


@needs_corpus
@pytest.mark.parametrize(
    ("card", "flags", "rule"),
    [
        ({"license": "apache-2.0"}, {Flag.METADATA_MISMATCH}, "license.metadata.mismatch"),
        ({}, {Flag.METADATA_MISSING}, "license.metadata.missing"),
        ({"license": "Llama 3"}, {Flag.METADATA_NONSTANDARD_FORM}, "license.metadata.nonstandard"),
        (
            {"license": "other", "license_name": "llama3"},
            {Flag.METADATA_NONSTANDARD_FORM},
            "license.metadata.nonstandard",
        ),
        ({"license": "llama3"}, set(), None),
    ],
    ids=["wrong", "missing", "alias", "other-for-hub-id", "right"],
)
def test_card_metadata_against_the_text(
    tmp_path: Path, card: dict[str, object], flags: set[Flag], rule: str | None
) -> None:
    model = make_model(tmp_path, card=card, files={"LICENSE": text_of("llama3")})
    result = check_license(model)
    assert (result.license_id, result.source) == ("llama3", "text")
    assert set(result.flags) == flags
    assert result.metadata_mismatch is (Flag.METADATA_MISMATCH in flags)
    if rule:
        assert rule in result.report.rule_ids()


@needs_corpus
def test_custom_license_in_hub_form_is_standard(tmp_path: Path) -> None:
    card = {"license": "other", "license_name": "tongyi-qianwen", "license_link": "LICENSE"}
    model = make_model(tmp_path, card=card, files={"LICENSE": text_of("tongyi-qianwen")})
    assert check_license(model).flags == ()


def test_invalid_front_matter_is_a_finding(tmp_path: Path) -> None:
    model = make_model(tmp_path)
    (model / "README.md").write_text("---\nlicense: [mit\n---\n", encoding="utf-8")
    result = check_license(model)
    assert "license.metadata.invalid" in result.report.rule_ids()
    assert "license.absent" in result.report.rule_ids()


def test_adapter_claiming_mit_on_llama3_is_a_conflict(tmp_path: Path) -> None:
    model = make_model(tmp_path, card={"license": "mit", "base_model": LLAMA3_BASE})
    result = check_license(model, PRESETS["commercial-saas"])
    assert (result.license_id, result.source, result.status.value) == (
        "llama3",
        "lineage",
        "absent",
    )
    assert result.lineage == (
        LineageHit(model=LLAMA3_BASE, license="llama3", via=LineageVia.BUILTIN),
    )
    assert {Flag.LINEAGE_LICENSE_CONFLICT, Flag.METADATA_MISMATCH} <= set(result.flags)
    assert result.decision is Decision.CONDITIONAL
    assert result.verdict is not None
    assert any("Llama 3" in c.quote and c.section == "1.b.i" for c in result.verdict.clauses)
    assert {"license.lineage.conflict", "license.metadata.mismatch"} <= result.report.rule_ids()


@needs_corpus
def test_adapter_with_mit_license_file_on_llama3_carries_both(tmp_path: Path) -> None:
    model = make_model(tmp_path, files={"LICENSE": text_of("mit")}, adapter_base=LLAMA3_BASE)
    result = check_license(model, PRESETS["distillation"])
    assert result.expression == "llama3 AND mit"
    assert Flag.LINEAGE_LICENSE_CONFLICT in result.flags
    assert result.decision is Decision.PROHIBITED


@needs_corpus
def test_adapter_with_its_base_license_text_has_no_conflict(tmp_path: Path) -> None:
    model = make_model(
        tmp_path,
        card={"license": "llama3", "base_model": [LLAMA3_BASE]},
        files={"LICENSE": text_of("llama3")},
    )
    result = check_license(model)
    assert (result.license_id, result.source, result.flags) == ("llama3", "text", ())


def test_adapter_without_license_inherits(tmp_path: Path) -> None:
    model = make_model(tmp_path, adapter_base="google/gemma-2-9b-it")
    result = check_license(model, PRESETS["commercial-saas"])
    assert (result.license_id, result.source) == ("gemma", "lineage")
    assert Flag.LINEAGE_LICENSE_INHERITED in result.flags
    assert result.decision is Decision.CONDITIONAL


def test_permissive_base_is_no_conflict(tmp_path: Path) -> None:
    model = make_model(tmp_path, card={"license": "mit", "base_model": "mistralai/Mistral-7B-v0.1"})
    result = check_license(model)
    assert (result.license_id, Flag.LINEAGE_LICENSE_CONFLICT in result.flags) == ("mit", False)


@needs_corpus
def test_local_base_directory_is_followed(tmp_path: Path) -> None:
    make_model(tmp_path, "base", files={"LICENSE": text_of("llama3.1")})
    model = make_model(tmp_path, "tuned", card={"license": "apache-2.0", "base_model": "../base"})
    result = check_license(model)
    assert result.lineage[0] == LineageHit(
        model="../base", license="llama3.1", via=LineageVia.LOCAL
    )
    assert result.license_id == "llama3.1"
    assert Flag.LINEAGE_LICENSE_CONFLICT in result.flags


def test_unknown_base_is_unresolved(tmp_path: Path) -> None:
    model = make_model(tmp_path, card={"license": "mit", "base_model": "someone/private-model"})
    result = check_license(model)
    assert "license.lineage.unresolved" in result.report.rule_ids()
    assert result.license_id == "mit"


class _Registry:
    def resolve(self, model_id: str) -> LineageHit | None:
        if model_id == "acme/internal-base":
            return LineageHit(model=model_id, license="cc-by-nc-4.0", via=LineageVia.REGISTRY)
        return None


def test_registry_resolver_is_consulted_before_the_builtin_table(tmp_path: Path) -> None:
    model = make_model(tmp_path, card={"license": "apache-2.0", "base_model": "acme/internal-base"})
    result = check_license(model, PRESETS["commercial-saas"], resolver=_Registry())
    assert result.lineage[0].via is LineageVia.REGISTRY
    assert (result.license_id, result.decision) == ("cc-by-nc-4.0", Decision.PROHIBITED)


def test_no_license_anywhere(tmp_path: Path) -> None:
    result = check_license(make_model(tmp_path), PRESETS["research"])
    assert (result.license_id, result.status.value) == (None, "absent")
    assert result.decision is Decision.NEEDS_REVIEW
    assert {"license.absent", "license.use.needs-review"} <= result.report.rule_ids()


@needs_corpus
def test_single_license_file_path(tmp_path: Path) -> None:
    path = tmp_path / "LICENSE"
    path.write_text(text_of("gemma"), encoding="utf-8")
    result = check_license(path)
    assert (result.license_id, result.files, result.path) == ("gemma", ("LICENSE",), str(path))


@needs_corpus
def test_notice_file_does_not_make_the_text_unknown(tmp_path: Path) -> None:
    files = {"LICENSE": text_of("apache-2.0"), "NOTICE": "Copyright 2024 Example Corp.\n"}
    result = check_license(make_model(tmp_path, card={"license": "apache-2.0"}, files=files))
    assert (result.status.value, result.flags) == ("exact", ())


def test_demo_models(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "demo")
    clean = check_license(ws.clean, PRESETS["commercial-saas"])
    assert (clean.license_id, clean.source, clean.flags) == (
        "apache-2.0",
        "metadata",
        (Flag.LICENSE_TEXT_MISSING,),
    )
    assert clean.decision is Decision.ALLOWED
    assert [f.severity.label for f in clean.report.findings] == ["low"]
    tuned = check_license(ws.finetune, PRESETS["commercial-saas"])
    assert tuned.license_id == "llama3"
    assert tuned.lineage[0].via is LineageVia.BUILTIN
    assert {Flag.LINEAGE_LICENSE_CONFLICT, Flag.METADATA_MISMATCH} <= set(tuned.flags)


def test_gguf_file_declares_its_license(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "demo")
    result = check_license(ws.gguf, PRESETS["research"])
    assert (result.license_id, result.source, result.decision) == (
        "apache-2.0",
        "metadata",
        Decision.ALLOWED,
    )


def test_result_follows_the_json_contract(tmp_path: Path) -> None:
    model = make_model(tmp_path, card={"license": "mit", "base_model": LLAMA3_BASE})
    data = check_license(model, PRESETS["commercial-saas"]).to_dict()
    assert set(data) >= {"path", "license", "metadata", "lineage", "flags", "verdict"}
    assert set(data["license"]) >= {"id", "expression", "status", "source", "closest", "files"}
    assert data["metadata"] == {"license": "mit", "mismatch": True}
    assert data["lineage"] == [{"model": LLAMA3_BASE, "license": "llama3", "via": "builtin"}]
    assert data["flags"] == [
        "metadata_mismatch",
        "license_text_missing",
        "lineage_license_conflict",
    ]
    verdict = data["verdict"]
    assert isinstance(verdict, dict)
    assert set(verdict) >= {"decision", "obligations", "clauses"}
    assert all(set(c) >= {"license", "section", "quote"} for c in verdict["clauses"])


@needs_corpus
def test_hugging_face_cache_repo(tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--acme--tuned"
    snapshot = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(snapshot.name, encoding="utf-8")
    (snapshot / "README.md").write_text("---\nlicense: gemma\n---\n", encoding="utf-8")
    (snapshot / "LICENSE").write_text(text_of("gemma"), encoding="utf-8")
    result = check_license(repo)
    assert (result.license_id, result.status.value, result.flags) == ("gemma", "exact", ())


@needs_corpus
def test_card_naming_only_the_code_license_is_a_mismatch(tmp_path: Path) -> None:
    # The card's apache-2.0 covers the code; the weights ship under Llama 3.1.
    model = make_model(
        tmp_path,
        card={"license": "apache-2.0"},
        files={"LICENSE": text_of("apache-2.0"), "LICENSE_MODEL": text_of("llama3.1")},
    )
    result = check_license(model, PRESETS["commercial-saas"])
    assert "llama3.1" in (result.expression or "")
    assert result.metadata_mismatch and Flag.METADATA_MISMATCH in result.flags
    assert "license.metadata.mismatch" in result.report.rule_ids()
    assert result.decision is Decision.CONDITIONAL


@needs_corpus
def test_code_license_file_beside_the_model_license_does_not_bind_the_weights(
    tmp_path: Path,
) -> None:
    model = make_model(
        tmp_path,
        card={"license": "other", "license_name": "deepseek"},
        files={"LICENSE-CODE": text_of("mit"), "LICENSE-MODEL": text_of("deepseek")},
    )
    result = check_license(model)
    assert (result.expression, result.code_licenses) == ("deepseek", ("mit",))
    assert not result.metadata_mismatch


@needs_corpus
def test_mit_card_and_text_over_a_gemma_base_is_a_mismatch_and_a_conflict(
    tmp_path: Path,
) -> None:
    model = make_model(
        tmp_path,
        card={"license": "mit", "base_model": "google/gemma-2-9b-it"},
        files={"LICENSE": text_of("mit")},
    )
    result = check_license(model, PRESETS["commercial-saas"])
    assert {Flag.LINEAGE_LICENSE_CONFLICT, Flag.METADATA_MISMATCH} <= set(result.flags)
    assert {"license.lineage.conflict", "license.metadata.mismatch"} <= result.report.rule_ids()
    assert result.license_id == "gemma"


@needs_corpus
def test_family_name_on_the_card_covers_a_versioned_text(tmp_path: Path) -> None:
    card = {"license": "other", "license_name": "tencent-hunyuan-community"}
    model = make_model(tmp_path, card=card, files={"LICENSE": text_of("tencent-hunyuan-3d-2.1")})
    result = check_license(model)
    assert result.license_id == "tencent-hunyuan-3d-2.1"
    assert not result.metadata_mismatch


@needs_corpus
def test_unknown_text_reports_closest_and_similarity(tmp_path: Path) -> None:
    paragraphs = text_of("apple-amlr").split("\n\n")
    custom = "Licensee pays Licensor a royalty of {n} per cent of all revenue, every month."
    text = "\n\n".join(
        p if i % 3 == 1 else " ".join(custom.format(n=i * 10 + k) for k in range(8))
        for i, p in enumerate(paragraphs)
    )
    model = make_model(tmp_path, files={"LICENSE": text})
    result = check_license(model, PRESETS["research"])
    assert result.status.value == "unknown"
    assert result.decision is Decision.NEEDS_REVIEW
    data = result.to_dict()["license"]
    assert isinstance(data, dict) and data["closest"] == "apple-amlr"
    assert 0 < data["similarity"] < MIN_SIMILARITY
    assert any("closest: apple-amlr, similarity" in r for r in result.verdict.reasons)  # type: ignore[union-attr]
