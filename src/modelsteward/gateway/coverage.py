"""What a gateway configuration says about a vetted model: which of its entries serve the
model's files, with which safety profile and exposure. These are the facts a passport's
safety section states, instead of assuming that a safety layer will be in front."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from modelsteward.gateway.config import ModelConfig, load_gateway_config
from modelsteward.passport import Passport, SafetyCoverage

SAFETY_POLICY = "modelsteward-default"
"""The safety policy the gateway's layer applies (``SafetyPolicy.default()``)."""


def coverage_of(model: ModelConfig, *, config: str = "", config_sha256: str = "") -> SafetyCoverage:
    """The coverage fact of one configured model."""
    return SafetyCoverage(
        deployment=model.name,
        source="gateway-config",
        gateway_config=config,
        config_sha256=config_sha256,
        safety_profile=model.safety.value,
        safety_policy=SAFETY_POLICY if model.safety.value != "off" else "",
        exposure=model.exposure.value,
    )


def serves(model: ModelConfig, passport: Passport) -> bool:
    """Whether ``model`` serves the files of ``passport``: its path is the vetted path or
    lies inside it, or its declared file hashes all belong to the passport's manifest."""
    if model.path is not None:
        root = Path(passport.identity.source).resolve()
        where = model.path.resolve()
        return where == root or root in where.parents
    declared = {sha for _, sha in model.files}
    return bool(declared) and declared <= set(passport.manifest.values())


def config_coverage(paths: Sequence[Path], passport: Passport) -> tuple[SafetyCoverage, ...]:
    """The coverage facts of every entry of the gateway configurations at ``paths`` that
    serves ``passport``'s model.

    Raises:
        ConfigError: when a configuration cannot be read or is invalid.
    """
    out: list[SafetyCoverage] = []
    for path in paths:
        config = load_gateway_config(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        out += [
            coverage_of(m, config=str(path), config_sha256=digest)
            for m in config.models
            if serves(m, passport)
        ]
    return tuple(out)
