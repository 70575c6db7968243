"""The AI bill of materials: CycloneDX 1.6 JSON built with cyclonedx-python-lib.

The model is a ``machine-learning-model`` component with the hashes of its files, its
license and a model card; its base model is the pedigree ancestor; the runtime libraries
are components the model depends on; matched vulnerabilities carry their ratings. The
library has no model-card type yet, so the ``modelCard`` object (CycloneDX 1.6 schema) is
added to the serialised document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from modelsteward.inventory import ArtifactKind, walk_model
from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.match import Vulnerability
from modelsteward.vulns.osv import normalize_name
from modelsteward.vulns.package import Package

_MODEL_REF = "model"
_WEIGHT_KINDS = frozenset(
    {
        ArtifactKind.SAFETENSORS,
        ArtifactKind.GGUF,
        ArtifactKind.PICKLE,
        ArtifactKind.ZIP,
        ArtifactKind.ONNX,
        ArtifactKind.HDF5,
        ArtifactKind.NUMPY,
    }
)


def build_bom(
    model_dir: Path,
    packages: Sequence[Package],
    vulns: Sequence[Vulnerability],
    *,
    license_id: str | None = None,
    base_model: str | None = None,
    package_licenses: Mapping[str, str] | None = None,
) -> str:
    """Return the CycloneDX 1.6 JSON document for the model at ``model_dir``.

    ``license_id`` (an SPDX or Hugging Face license id) and ``base_model`` (a Hub repo id)
    come from the caller, typically the license check; ``package_licenses`` maps a
    package's PEP 503 name to its SPDX expression (the stack license check).

    Raises:
        VulnError: when the model path cannot be read.
    """
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.dependency import Dependency
    from cyclonedx.output.json import JsonV1Dot6

    model = _model_component(model_dir, license_id, base_model)
    libraries = _library_components(packages, package_licenses or {})
    bom = Bom()
    bom.metadata.component = model
    for lib in libraries.values():
        bom.components.add(lib)
    bom.dependencies.add(
        Dependency(
            ref=model.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in libraries.values()]
        )
    )
    for lib in libraries.values():
        bom.dependencies.add(Dependency(ref=lib.bom_ref))
    for vuln in vulns:
        bom.vulnerabilities.add(_vulnerability(vuln, libraries))
    text = JsonV1Dot6(bom).output_as_string(indent=None)
    document: dict[str, Any] = json.loads(text)
    document["metadata"]["component"]["modelCard"] = _model_card(model_dir, base_model)
    return json.dumps(document, indent=2) + "\n"


def _model_component(model_dir: Path, license_id: str | None, base_model: str | None) -> Any:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.component import Component, ComponentType, Pedigree
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression

    if not model_dir.exists():
        raise VulnError(f"model not found: {model_dir}", hint="give a model directory or file")
    inventory = walk_model(model_dir, hash_files=True)
    hashes = [
        HashType(alg=HashAlgorithm.SHA_256, content=a.sha256)
        for a in inventory.artifacts
        if a.sha256 and a.kind in _WEIGHT_KINDS
    ][:1]
    files = [
        Component(
            name=a.relpath,
            type=ComponentType.FILE,
            bom_ref=f"file:{a.relpath}",
            hashes=[HashType(alg=HashAlgorithm.SHA_256, content=a.sha256)] if a.sha256 else [],
            properties=[Property(name="modelsteward:kind", value=a.kind.value)],
        )
        for a in inventory.artifacts
    ]
    licenses: list[Any] = []
    if license_id:
        licenses.append(_license(license_id, DisjunctiveLicense, LicenseExpression))
    pedigree = None
    if base_model:
        pedigree = Pedigree(
            ancestors=[
                Component(
                    name=base_model,
                    type=ComponentType.MACHINE_LEARNING_MODEL,
                    bom_ref=f"base:{base_model}",
                    purl=_hf_purl(base_model),
                )
            ]
        )
    name = inventory.source.name or model_dir.resolve().name
    return Component(
        name=name,
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=_MODEL_REF,
        version=inventory.source.revision,
        hashes=hashes,
        licenses=licenses,
        pedigree=pedigree,
        components=files,
    )


def _license(license_id: str, disjunctive: Any, expression: Any) -> Any:
    """An SPDX id when the library knows it, else a named license."""
    from cyclonedx.spdx import fixup_id

    spdx = fixup_id(license_id)
    if spdx is not None:
        return disjunctive(id=spdx)
    return disjunctive(name=license_id)


def _hf_purl(repo_id: str) -> Any:
    from packageurl import PackageURL

    if "/" not in repo_id:
        return PackageURL(type="huggingface", name=repo_id)
    namespace, name = repo_id.split("/", 1)
    return PackageURL(type="huggingface", namespace=namespace, name=name)


def _library_components(packages: Iterable[Package], licenses: Mapping[str, str]) -> dict[str, Any]:
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
    from packageurl import PackageURL

    out: dict[str, Any] = {}
    for package in packages:
        key = f"{package.ecosystem}:{normalize_name(package.name)}@{package.version}"
        if key in out:
            continue
        purl = None
        if package.ecosystem == "PyPI":
            purl = PackageURL(
                type="pypi", name=normalize_name(package.name), version=package.version
            )
        out[key] = Component(
            name=package.name,
            version=package.version,
            type=ComponentType.LIBRARY
            if package.ecosystem == "PyPI"
            else ComponentType.APPLICATION,
            bom_ref=key,
            purl=purl,
        )
        expression = licenses.get(normalize_name(package.name))
        if expression:
            single = " " not in expression
            out[key].licenses.add(
                _license(expression, DisjunctiveLicense, LicenseExpression)
                if single
                else LicenseExpression(value=expression)
            )
    return out


def _vulnerability(vuln: Vulnerability, libraries: dict[str, Any]) -> Any:
    from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
    from cyclonedx.model.vulnerability import (
        BomTarget,
        BomTargetVersionRange,
        VulnerabilityRating,
        VulnerabilityReference,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
        VulnerabilitySource,
    )
    from cyclonedx.model.vulnerability import (
        Vulnerability as CdxVulnerability,
    )

    key = f"PyPI:{normalize_name(vuln.package)}@{vuln.version}"
    target = libraries.get(key)
    method = {
        "CVSSv4": VulnerabilityScoreSource.CVSS_V4,
        "CVSSv31": VulnerabilityScoreSource.CVSS_V3_1,
    }.get(_method(vuln.vector), VulnerabilityScoreSource.CVSS_V3 if vuln.vector else None)
    rating = VulnerabilityRating(
        severity=VulnerabilitySeverity(vuln.severity.label),
        score=None if vuln.score is None else _decimal(vuln.score),
        method=method,
        vector=vuln.vector or None,
    )
    affects = []
    if target is not None:
        affects.append(
            BomTarget(
                ref=target.bom_ref.value,
                versions=[
                    BomTargetVersionRange(
                        version=vuln.version, status=ImpactAnalysisAffectedStatus.AFFECTED
                    )
                ],
            )
        )
    return CdxVulnerability(
        bom_ref=f"{vuln.id}:{key}",
        id=vuln.id,
        source=VulnerabilitySource(name="OSV", url=_osv_url(vuln.id)),
        references=[
            VulnerabilityReference(id=alias, source=VulnerabilitySource(url=_osv_url(alias)))
            for alias in vuln.aliases
        ],
        ratings=[rating],
        description=vuln.summary or None,
        recommendation=f"Upgrade {vuln.package} to {' or '.join(vuln.fixed_in)}"
        if vuln.fixed_in
        else None,
        affects=affects,
    )


def _method(vector: str) -> str:
    if vector.startswith("CVSS:4.0/"):
        return "CVSSv4"
    if vector.startswith("CVSS:3.1/"):
        return "CVSSv31"
    return ""


def _decimal(score: float) -> Any:
    from decimal import Decimal

    return Decimal(str(score))


def _osv_url(ident: str) -> Any:
    from cyclonedx.model import XsUri

    return XsUri(f"https://osv.dev/vulnerability/{ident}")


def _model_card(model_dir: Path, base_model: str | None) -> dict[str, Any]:
    """A CycloneDX 1.6 ``modelCard`` from ``config.json`` and the card's front matter."""
    params: dict[str, Any] = {}
    config_path = model_dir / "config.json" if model_dir.is_dir() else None
    if config_path is not None and config_path.is_file():
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        if isinstance(config, dict):
            if isinstance(config.get("model_type"), str):
                params["architectureFamily"] = config["model_type"]
            archs = config.get("architectures")
            if isinstance(archs, list) and archs and isinstance(archs[0], str):
                params["modelArchitecture"] = archs[0]
    params.setdefault("inputs", [{"format": "text"}])
    params.setdefault("outputs", [{"format": "text"}])
    card: dict[str, Any] = {"bom-ref": "model-card", "modelParameters": params}
    props = [{"name": "modelsteward:base_model", "value": base_model}] if base_model else []
    if props:
        card["properties"] = props
    return card
