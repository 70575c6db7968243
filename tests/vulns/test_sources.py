"""Every inventory format, built by code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.vulns import InventoryFormat, Package, VulnError, load_inventory, read_inventory


def _pairs(packages: list[Package]) -> set[tuple[str, str]]:
    return {(p.name, p.version) for p in packages}


def test_requirements_pins_hashes_includes_and_markers(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("numpy==1.26.4  # pinned\n", encoding="utf-8")
    req = tmp_path / "requirements.txt"
    req.write_text(
        "# serving stack\n"
        "-r base.txt\n"
        "--index-url https://pypi.org/simple\n"
        "vllm==0.8.4 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "Torch==2.3.0+cu121 ; python_version >= '3.8'\n"
        "pywin32==306 ; sys_platform == 'win32'\n"
        "requests>=2.31\n"
        "-e ./local-pkg\n"
        "mypkg @ https://example.invalid/mypkg-1.0.tar.gz\n",
        encoding="utf-8",
    )
    inventory = read_inventory(req)
    assert inventory.format is InventoryFormat.REQUIREMENTS
    assert _pairs(list(inventory.packages)) == {
        ("numpy", "1.26.4"),
        ("vllm", "0.8.4"),
        ("Torch", "2.3.0+cu121"),
    }
    reasons = " ".join(s.reason for s in inventory.skipped)
    assert "requests is not pinned" in reasons
    assert "editable" in reasons
    assert "URL" in reasons


def test_pip_freeze_output(tmp_path: Path) -> None:
    freeze = tmp_path / "freeze.txt"
    freeze.write_text("certifi==2024.2.2\ngradio===4.19.0\nsix==1.16.0\n", encoding="utf-8")
    assert _pairs(load_inventory(freeze)) == {
        ("certifi", "2024.2.2"),
        ("gradio", "4.19.0"),
        ("six", "1.16.0"),
    }


def test_garbage_text_is_an_error_with_hint(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("this is : not a requirement!\n", encoding="utf-8")
    with pytest.raises(VulnError) as info:
        load_inventory(bad)
    assert "notes.txt:1" in info.value.message
    assert info.value.hint


def test_missing_include_is_an_error(tmp_path: Path) -> None:
    req = tmp_path / "r.txt"
    req.write_text("-r nope.txt\n", encoding="utf-8")
    with pytest.raises(VulnError):
        load_inventory(req)


def test_pyproject_pins_and_poetry_exact_versions(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\nname = 'svc'\ndependencies = ['fastapi==0.110.0', 'httpx>=0.27']\n"
        "[project.optional-dependencies]\nml = ['transformers==4.36.0']\n"
        "[dependency-groups]\ndev = ['pytest==8.0.0']\n"
        "[tool.poetry.dependencies]\npython = '^3.11'\nmlflow = '2.9.2'\nray = '^2.0'\n",
        encoding="utf-8",
    )
    inventory = read_inventory(pyproject)
    assert _pairs(list(inventory.packages)) == {
        ("fastapi", "0.110.0"),
        ("transformers", "4.36.0"),
        ("pytest", "8.0.0"),
        ("mlflow", "2.9.2"),
    }
    assert {s.reason.split()[0] for s in inventory.skipped} == {"httpx", "ray"}


@pytest.mark.parametrize("name", ["uv.lock", "poetry.lock", "pdm.lock"])
def test_lock_files(tmp_path: Path, name: str) -> None:
    lock = tmp_path / name
    lock.write_text(
        'version = 1\n\n[[package]]\nname = "vllm"\nversion = "0.8.4"\n\n'
        '[[package]]\nname = "gradio"\nversion = "4.19.0"\n\n'
        '[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { editable = "." }\n',
        encoding="utf-8",
    )
    inventory = read_inventory(lock)
    assert inventory.format is InventoryFormat.LOCK
    assert _pairs(list(inventory.packages)) == {("vllm", "0.8.4"), ("gradio", "4.19.0")}
    assert len(inventory.skipped) == 1


def _dist_info(site: Path, name: str, version: str) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nlong description\n",
        encoding="utf-8",
    )


def test_venv_and_site_packages_read_metadata_without_importing(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    _dist_info(site, "mlflow", "2.9.2")
    _dist_info(site, "torch", "2.3.0+cu121")
    # a module that would fail loudly if anything imported it
    (site / "mlflow").mkdir()
    (site / "mlflow" / "__init__.py").write_text("raise SystemExit('imported!')\n")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    expected = {("mlflow", "2.9.2"), ("torch", "2.3.0+cu121")}
    assert _pairs(load_inventory(venv)) == expected
    assert _pairs(load_inventory(site)) == expected


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VulnError) as info:
        load_inventory(tmp_path)
    assert "neither a virtual environment" in info.value.message


def test_cyclonedx_sbom(tmp_path: Path) -> None:
    sbom = tmp_path / "bom.json"
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [
                    {
                        "type": "library",
                        "name": "vllm",
                        "version": "0.8.4",
                        "purl": "pkg:pypi/vllm@0.8.4",
                    },
                    {
                        "type": "library",
                        "name": "left-pad",
                        "version": "1.3.0",
                        "purl": "pkg:npm/left-pad@1.3.0",
                    },
                    {
                        "type": "application",
                        "name": "svc",
                        "components": [
                            {
                                "type": "library",
                                "name": "torch",
                                "purl": "pkg:pypi/torch@2.3.0%2Bcu121",
                            }
                        ],
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    assert _pairs(load_inventory(sbom)) == {("vllm", "0.8.4"), ("torch", "2.3.0+cu121")}


def test_json_that_is_not_cyclonedx_is_an_error(tmp_path: Path) -> None:
    other = tmp_path / "package.json"
    other.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(VulnError) as info:
        load_inventory(other)
    assert "not a CycloneDX" in info.value.message


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VulnError) as info:
        load_inventory(tmp_path / "absent.txt")
    assert info.value.hint
