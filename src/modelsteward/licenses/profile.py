"""The intended use of a model: a use profile, from a YAML/JSON file or a preset."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from modelsteward.licenses.errors import LicenseError


@dataclass(frozen=True, slots=True, kw_only=True)
class UseProfile:
    """How the model will be used; every field defaults to the least demanding use."""

    commercial: bool = False
    """Used by or for a business, or to earn money (internal business use counts)."""
    monthly_active_users: int = 0
    """Monthly active users of the products or services that use the model."""
    annual_revenue_usd: int = 0
    """Annual revenue of the organisation (with affiliates)."""
    customer_facing: bool = False
    """Third parties use the model or its outputs through a product or hosted service."""
    hosting_service: bool = False
    """The model itself is offered to third parties as a shared instance or managed service
    (an inference or fine-tuning API), not only used behind an application."""
    fine_tuning: bool = False
    """The model is fine-tuned or otherwise modified."""
    distillation: bool = False
    """Outputs are used to train or improve another model."""
    eu_entity: bool = False
    """The user is domiciled, or has its principal place of business, in the EU."""
    multimodal: bool = False
    """Multimodal (image, audio, video) capabilities are used."""
    redistribution: bool = False
    """The weights (or a derivative) are given to third parties."""
    regions: tuple[str, ...] = ()
    """Where the user is established or the model is used (``EU``, ``UK``, ``KR``, ``US``...);
    ``eu_entity`` adds ``EU``."""

    def in_region(self, codes: tuple[str, ...]) -> bool:
        """True when the use touches one of ``codes``."""
        mine = {code.upper() for code in self.regions}
        if self.eu_entity:
            mine.add("EU")
        return bool(mine.intersection(codes))

    def to_dict(self) -> dict[str, object]:
        """The profile as a plain mapping."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["regions"] = list(self.regions)
        return out


_SAAS = UseProfile(
    commercial=True,
    monthly_active_users=1_000_000,
    annual_revenue_usd=50_000_000,
    customer_facing=True,
    fine_tuning=True,
)
"""A commercial SaaS with a million monthly users: the base of several presets."""

PRESETS: Mapping[str, UseProfile] = MappingProxyType(
    {
        "research": UseProfile(fine_tuning=True),
        "internal": UseProfile(
            commercial=True,
            monthly_active_users=5_000,
            annual_revenue_usd=50_000_000,
            fine_tuning=True,
        ),
        "commercial-saas": _SAAS,
        "startup-saas": UseProfile(
            commercial=True,
            monthly_active_users=20_000,
            annual_revenue_usd=500_000,
            customer_facing=True,
            fine_tuning=True,
        ),
        "redistribution": replace(_SAAS, redistribution=True),
        "distillation": UseProfile(
            commercial=True,
            annual_revenue_usd=50_000_000,
            fine_tuning=True,
            distillation=True,
        ),
        "eu-multimodal-saas": replace(_SAAS, fine_tuning=False, eu_entity=True, multimodal=True),
        "hyperscale": UseProfile(
            commercial=True,
            monthly_active_users=1_000_000_000,
            annual_revenue_usd=10_000_000_000,
            customer_facing=True,
            fine_tuning=True,
        ),
    }
)
"""Named use profiles for ``--preset``."""


_COUNTS = ("monthly_active_users", "annual_revenue_usd")


def _field(name: str, value: object) -> bool | int | tuple[str, ...]:
    """One validated field (a hand-written check keeps the import light)."""
    if name == "regions":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(
            isinstance(v, str) and 1 < len(v) <= 8 for v in items
        ):
            raise ValueError("must be a list of region codes such as EU, UK, KR")
        return tuple(str(v).upper() for v in items)
    if name in _COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("must be a whole number, 0 or more")
        return value
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def parse_use_profile(data: Mapping[str, Any], *, origin: str = "use profile") -> UseProfile:
    """Validate a mapping into a UseProfile.

    Raises:
        LicenseError: when a field is unknown or has the wrong type.
    """
    fields = tuple(UseProfile.__dataclass_fields__)
    hint = "a use profile may set: " + ", ".join(fields)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            raise LicenseError(f"{origin}: {key}: unknown field", hint=hint)
        try:
            values[str(key)] = _field(str(key), value)
        except ValueError as exc:
            raise LicenseError(f"{origin}: {key}: {exc}", hint=hint) from None
    return UseProfile(**values)


def load_use_profile(path: str | Path) -> UseProfile:
    """Read a use profile from a YAML or JSON file.

    Raises:
        LicenseError: when the file cannot be read or is not a valid profile.
    """
    path = Path(path)
    hint = "write a YAML mapping such as 'commercial: true' and 'monthly_active_users: 5000'"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LicenseError(
            f"cannot read use profile {path}: {exc.strerror or exc}", hint="check the --use path"
        ) from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise LicenseError(f"use profile {path} is not valid YAML or JSON", hint=hint) from exc
    if not isinstance(data, Mapping):
        raise LicenseError(f"use profile {path} is not a mapping", hint=hint)
    return parse_use_profile(data, origin=str(path))


def preset(name: str) -> UseProfile:
    """The preset called ``name``.

    Raises:
        LicenseError: when there is no such preset.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise LicenseError(
            f"unknown use preset {name!r}", hint="choose one of: " + ", ".join(PRESETS)
        ) from None
