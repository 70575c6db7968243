"""The CycloneDX 1.6 AI-BOM, validated against the 1.6 JSON schema."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from modelsteward.demo import build_workspace
from modelsteward.inventory import sha256_file
from modelsteward.vulns import Package, build_bom, match_packages
from modelsteward.vulns.engine import LLAMA_CPP
from tests.vulns.conftest import DbFactory, make_record

CRIT = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> object:
    return build_workspace(tmp_path_factory.mktemp("demo"))


def _validate(text: str) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors


def test_bom_for_model_with_runtime_and_vulnerabilities(
    workspace: object, make_db: DbFactory
) -> None:
    clean: Path = workspace.clean  # type: ignore[attr-defined]
    db = make_db(make_record("PYSEC-1", package="vllm", aliases=["CVE-2025-1"], vector=CRIT))
    packages = [
        Package("vllm", "0.1", "requirements.txt"),
        Package("torch", "2.3.0+cu121", "requirements.txt"),
        Package(LLAMA_CPP, "b5000", "http://127.0.0.1:8080", "GIT"),
    ]
    result = match_packages(packages, db, today=date(2026, 1, 1))
    text = build_bom(
        clean,
        packages,
        result.vulnerabilities,
        license_id="apache-2.0",
        base_model="meta-llama/Meta-Llama-3-8B-Instruct",
    )
    _validate(text)
    body = json.loads(text)
    assert body["specVersion"] == "1.6"
    model = body["metadata"]["component"]
    assert model["type"] == "machine-learning-model"
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert model["modelCard"]["modelParameters"]["architectureFamily"] == "llama"
    ancestor = model["pedigree"]["ancestors"][0]
    assert ancestor["purl"] == "pkg:huggingface/meta-llama/Meta-Llama-3-8B-Instruct"
    files = {c["name"]: c for c in model["components"]}
    weights = files["model.safetensors"]["hashes"][0]["content"]
    assert weights == sha256_file(clean / "model.safetensors")
    purls = {c.get("purl") for c in body["components"]}
    assert "pkg:pypi/torch@2.3.0%2Bcu121" in purls
    [dep] = [d for d in body["dependencies"] if d["ref"] == "model"]
    assert len(dep["dependsOn"]) == 3
    [vuln] = body["vulnerabilities"]
    assert vuln["id"] == "PYSEC-1"
    assert vuln["ratings"][0]["severity"] == "critical"
    assert vuln["ratings"][0]["method"] == "CVSSv31"
    assert vuln["affects"][0]["ref"] == "PyPI:vllm@0.1"


def test_bom_with_unknown_license_and_no_runtime(workspace: object) -> None:
    finetune: Path = workspace.finetune  # type: ignore[attr-defined]
    text = build_bom(finetune, [], [], license_id="llama3")
    _validate(text)
    model = json.loads(text)["metadata"]["component"]
    assert model["licenses"] == [{"license": {"name": "llama3"}}]
