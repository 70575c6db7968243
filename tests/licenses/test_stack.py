"""Software-stack licenses: every way a package declares its license, judged for a use."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.licenses import PRESETS
from modelsteward.licenses.stack import (
    Category,
    StackStatus,
    check_stack,
    normalize_expression,
)
from modelsteward.licenses.stack_sources import read_environment, read_sbom
from tests.licenses.corpus import needs_corpus, text_of


def _dist(
    site: Path, name: str, version: str, headers: str, files: dict[str, str] | None = None
) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    body = f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}"
    for rel in files or {}:
        body += f"License-File: {rel}\n"
    (info / "METADATA").write_text(body + "\nA package.\n", encoding="utf-8")
    for rel, text in (files or {}).items():
        (info / "licenses").mkdir(exist_ok=True)
        (info / "licenses" / rel).write_text(text, encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    _dist(root, "pep639", "1.0", "License-Expression: Apache-2.0 OR MIT\n")
    _dist(root, "agpl-server", "2.0", "License-Expression: AGPL-3.0-or-later\n")
    _dist(
        root,
        "gpl-tool",
        "3.1",
        "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)\n",
    )
    _dist(root, "words", "0.1", "License: Apache 2.0\n")
    _dist(root, "lgpl-lib", "1.2", "License: LGPLv3+\n")
    _dist(root, "nc-weights", "0.3", "License-Expression: CC-BY-NC-4.0\n")
    _dist(root, "nothing", "9.9", "License: UNKNOWN\n")
    _dist(root, "garbage", "1.0", "License: see our website for terms\n")
    return tmp_path / "venv"


@needs_corpus
def test_license_file_is_identified_when_nothing_else_is_declared(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    _dist(site, "filed", "1.0", "", {"LICENSE": text_of("mit")})
    metas, _ = read_environment(site)
    result = check_stack([], metas)
    (pkg,) = result.packages
    assert (pkg.expression, pkg.origin, pkg.category) == (
        "MIT",
        "license file",
        Category.PERMISSIVE,
    )


def test_every_declaration_is_read_and_normalised(site: Path) -> None:
    metas, skipped = read_environment(site)
    assert skipped == []
    by_name = {p.name: p for p in check_stack([], metas).packages}
    assert by_name["pep639"].expression == "Apache-2.0 OR MIT"
    assert by_name["pep639"].origin == "License-Expression"
    assert by_name["gpl-tool"].expression == "GPL-3.0-only"
    assert by_name["gpl-tool"].origin == "classifier"
    assert by_name["words"].expression == "Apache-2.0"
    assert by_name["lgpl-lib"].expression == "LGPL-3.0-or-later"
    assert by_name["nothing"].status is StackStatus.NONE
    assert by_name["garbage"].status is StackStatus.UNRECOGNISED
    assert by_name["garbage"].declared == ("see our website for terms",)


def test_saas_flags_network_copyleft_only(site: Path) -> None:
    metas, _ = read_environment(site)
    result = check_stack([], metas, use=PRESETS["commercial-saas"])
    flagged = {p.name: p.flags for p in result.packages if p.flags}
    assert flagged["agpl-server"] == ("license.stack.network-copyleft",)
    assert flagged["nc-weights"] == ("license.stack.non-commercial",)
    assert "gpl-tool" not in flagged  # not shipped: GPL binds distribution only
    assert flagged["nothing"] == ("license.stack.none",)
    rules = result.report.rule_ids()
    assert "license.stack.network-copyleft" in rules


def test_redistribution_flags_strong_and_weak_copyleft(site: Path) -> None:
    metas, _ = read_environment(site)
    result = check_stack([], metas, use=PRESETS["redistribution"])
    flagged = {p.name: p.flags for p in result.packages if p.flags}
    assert "license.stack.copyleft-distribution" in flagged["gpl-tool"]
    assert flagged["lgpl-lib"] == ("license.stack.weak-copyleft",)
    assert "pep639" not in flagged
    assert "words" not in flagged


def test_requirements_without_installed_metadata_are_unknown_not_guessed(
    site: Path, tmp_path: Path
) -> None:
    metas, _ = read_environment(site)
    result = check_stack(
        [("pep639", "1.0", "requirements.txt"), ("torch", "2.13.0", "requirements.txt")],
        metas,
    )
    by_name = {p.name: p for p in result.packages}
    assert by_name["pep639"].expression == "Apache-2.0 OR MIT"
    assert by_name["torch"].status is StackStatus.NOT_INSTALLED
    assert by_name["torch"].expression is None
    assert by_name["torch"].flags == ("license.stack.unknown",)


def test_sbom_licenses(tmp_path: Path) -> None:
    sbom = tmp_path / "bom.json"
    components = [
        {
            "type": "library",
            "name": "aiohttp",
            "version": "3.9.0",
            "purl": "pkg:pypi/aiohttp@3.9.0",
            "licenses": [{"license": {"id": "Apache-2.0"}}],
        },
        {
            "type": "library",
            "name": "mongo-thing",
            "version": "1.0",
            "purl": "pkg:pypi/mongo-thing@1.0",
            "licenses": [{"expression": "SSPL-1.0"}],
        },
    ]
    sbom.write_text(json.dumps({"bomFormat": "CycloneDX", "components": components}))
    metas, _ = read_sbom(sbom)
    result = check_stack([], metas, use=PRESETS["commercial-saas"])
    by_name = {p.name: p for p in result.packages}
    assert (by_name["aiohttp"].expression, by_name["aiohttp"].origin) == ("Apache-2.0", "sbom")
    assert by_name["mongo-thing"].flags == ("license.stack.network-copyleft",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("MIT", "MIT"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("BSD", None),
        ("MIT AND", None),
        ("", None),
    ],
)
def test_normalize_expression(value: str, expected: str | None) -> None:
    assert normalize_expression(value) == expected


def test_the_real_environment_every_declared_license_is_found() -> None:
    metas, _ = read_environment(Path(sys.prefix))
    if not metas:
        pytest.skip("not running in a virtual environment")
    result = check_stack([], metas)
    declaring = [p for p in result.packages if any(not d.startswith("file:") for d in p.declared)]
    missing = [p.name for p in declaring if p.expression is None]
    assert len(declaring) > 20
    assert missing == []


def test_cli_stack_with_requirements_and_venv(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("agpl-server==2.0\nnot-installed==1.0\n", encoding="utf-8")
    argv = ["license", "--stack", str(req), "--stack", str(site), "--preset", "commercial-saas"]
    code = run([*argv, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1  # a high finding: AGPL in a SaaS
    packages = {p["name"]: p for p in data["stack"]["packages"]}
    assert packages["agpl-server"]["flags"] == ["license.stack.network-copyleft"]
    assert packages["not-installed"]["license"]["status"] == "unknown (not installed)"
    assert data["results"] == []
    assert {"license.stack.network-copyleft", "license.stack.unknown"} <= {
        f["rule_id"] for f in data["findings"]
    }


def test_cli_needs_a_model_or_a_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["license"]) == 2
    assert "nothing to check" in capsys.readouterr().err


def test_ai_bom_carries_package_licenses(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    code = run(["bom", str(model), "--inventory", str(site), "--format", "cyclonedx"])
    assert code == 0
    bom = json.loads(capsys.readouterr().out)
    licenses = {c["name"]: c.get("licenses") for c in bom["components"]}
    assert licenses["agpl-server"] == [{"license": {"id": "AGPL-3.0-or-later"}}]
    assert licenses["pep639"] == [{"expression": "Apache-2.0 OR MIT"}]
    assert licenses["garbage"] is None
