"""Read what a model says about its own license: the card's YAML front matter and config.

The Hugging Face model card (README.md) carries ``license``, ``license_name``,
``license_link``, ``base_model`` (a string or a list) and ``tags``; adapters name their base
in ``adapter_config.json`` and full models sometimes in ``config.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelsteward.licenses.kb import KnowledgeBase

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CARD_NAMES = ("README.md", "readme.md", "MODEL_CARD.md", "model_card.md")
_MAX_CARD = 1 << 20

HUB_LICENSE_IDS = frozenset(
    [
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "eupl-1.2",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "h-research",
        "intel-research",
        "lppl-1.3c",
        "ms-pl",
        "apple-ascl",
        "apple-amlr",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openmdw-1.0",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "fair-noncommercial-research-license",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "unknown",
        "other",
    ]
)
"""The license ids the Hugging Face Hub accepts in ``license:``; others go in
``license: other`` with ``license_name``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CardMetadata:
    """What a model's own metadata says."""

    card: str | None = None
    """The card file name, when there is one."""
    license: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    base_models: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    error: str | None = None
    """Why the front matter could not be read, when it could not."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredLicense:
    """The card's license claim resolved against the knowledge base."""

    raw: str | None
    """The value as written (``license``, or ``license_name`` for ``other``)."""
    license_id: str | None
    nonstandard: bool


def parse_front_matter(text: str) -> dict[str, Any]:
    """The YAML mapping between the leading ``---`` lines of a card (empty when none).

    Raises:
        ValueError: when the front matter is not a YAML mapping.
    """
    stripped = text.lstrip("\ufeff")
    if not stripped.startswith("---"):
        return {}
    end = stripped.find("\n---", 3)
    if end < 0:
        raise ValueError("front matter has no closing '---'")
    try:
        data = yaml.load(stripped[3:end], Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("front matter is not a mapping")
    return data


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int | float) and str(v))
    return ()


def card_metadata(text: str, card: str = "README.md") -> CardMetadata:
    """Parse a card's text."""
    try:
        data = parse_front_matter(text)
    except ValueError as exc:
        return CardMetadata(card=card, error=str(exc))
    licenses = _strings(data.get("license"))
    return CardMetadata(
        card=card,
        license=licenses[0] if licenses else None,
        license_name=next(iter(_strings(data.get("license_name"))), None),
        license_link=next(iter(_strings(data.get("license_link"))), None),
        base_models=_strings(data.get("base_model")),
        tags=_strings(data.get("tags")),
    )


def _json_base(path: Path, key: str) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def read_metadata(model_dir: Path) -> CardMetadata:
    """Read the card of ``model_dir`` and, when the card names no base, the adapter config."""
    meta = CardMetadata()
    for name in _CARD_NAMES:
        path = model_dir / name
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    text = fh.read(_MAX_CARD).decode("utf-8", errors="replace")
            except OSError as exc:
                meta = CardMetadata(card=name, error=f"cannot read: {exc.strerror or exc}")
                break
            meta = card_metadata(text, name)
            break
    if not meta.base_models:
        base = _json_base(model_dir / "adapter_config.json", "base_model_name_or_path")
        if base:
            meta = CardMetadata(**{**_fields(meta), "base_models": (base,)})
    return meta


def _gguf_string(fields: Any, key: str) -> str | None:
    field = fields.get(key)
    if field is None or not field.data:
        return None
    try:
        return bytes(field.parts[field.data[0]]).decode("utf-8").strip() or None
    except (UnicodeDecodeError, IndexError, TypeError):
        return None


def gguf_metadata(path: Path) -> CardMetadata:
    """The license and base model a GGUF file declares (``general.license``,
    ``general.base_model.0.repo_url`` or ``.name``)."""
    from gguf import GGUFReader

    try:
        fields = GGUFReader(path).fields
    except (OSError, ValueError, KeyError, IndexError) as exc:
        return CardMetadata(card=path.name, error=f"cannot read GGUF metadata: {exc}")
    base = _gguf_string(fields, "general.base_model.0.repo_url") or _gguf_string(
        fields, "general.base_model.0.name"
    )
    if base:
        base = base.removeprefix("https://huggingface.co/")
    return CardMetadata(
        card=path.name,
        license=_gguf_string(fields, "general.license"),
        base_models=(base,) if base else (),
    )


def _fields(meta: CardMetadata) -> dict[str, Any]:
    return {name: getattr(meta, name) for name in CardMetadata.__dataclass_fields__}


def declared_license(meta: CardMetadata, kb: KnowledgeBase) -> DeclaredLicense | None:
    """Resolve the card's claim; None when the card declares no license."""
    raw = meta.license
    if raw is None:
        return None
    if raw == "other":
        if not meta.license_name:
            return DeclaredLicense(raw=raw, license_id=None, nonstandard=True)
        found = kb.lookup(meta.license_name)
        standard = found == meta.license_name and found not in HUB_LICENSE_IDS
        return DeclaredLicense(raw=meta.license_name, license_id=found, nonstandard=not standard)
    if raw in HUB_LICENSE_IDS:
        return DeclaredLicense(raw=raw, license_id=kb.lookup(raw), nonstandard=False)
    return DeclaredLicense(raw=raw, license_id=kb.lookup(raw), nonstandard=True)
