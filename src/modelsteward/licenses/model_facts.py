"""Facts about the model itself that license clauses depend on: its modalities, its size and
its family, read from the files the model ships (``config.json``, processor configs,
safetensors headers).

A clause such as the Llama 3.2 and Llama 4 acceptable-use restriction on multimodal models in
the EU binds only a model that takes images; a text-only Llama 3.2 1B is outside it. When a
model ships no config, its modality is unknown and the use profile's ``multimodal`` field
decides instead.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MAX_CONFIG = 4 << 20
_MAX_HEADER = 64 << 20
_MAX_SHARDS = 256
_VISION_KEYS = ("vision_config", "vision_tower", "mm_vision_tower", "visual", "image_size")
_AUDIO_KEYS = ("audio_config", "speech_config", "num_mel_bins", "audio_token_index")
_VISION_TYPES = (
    "mllama",
    "llava",
    "paligemma",
    "idefics",
    "qwen2_vl",
    "qwen2_5_vl",
    "blip",
    "clip",
    "siglip",
    "vit",
    "pixtral",
    "chameleon",
    "florence",
    "kosmos",
    "fuyu",
    "smolvlm",
    "internvl",
)
_AUDIO_TYPES = ("whisper", "wav2vec2", "hubert", "musicgen", "encodec", "seamless", "speecht5")
_IMAGE_FILES = ("preprocessor_config.json", "image_processor_config.json")
_PROCESSOR_FILES = ("processor_config.json",)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelFacts:
    """What the model's own files say about it (None: not known)."""

    modalities: tuple[str, ...] | None = None
    """Input modalities besides text (``vision``, ``audio``); ``()`` for text only."""
    parameters: int | None = None
    family: str | None = None
    """The config's ``model_type``."""
    evidence: tuple[str, ...] = ()
    """The files and keys the facts were read from."""

    @property
    def multimodal(self) -> bool | None:
        """True for a model that takes images or audio, None when unknown."""
        return None if self.modalities is None else bool(self.modalities)

    def to_dict(self) -> dict[str, object]:
        """JSON form (the ``model`` object of a license result)."""
        return {
            "modalities": None if self.modalities is None else ["text", *self.modalities],
            "multimodal": self.multimodal,
            "parameters": self.parameters,
            "family": self.family,
            "evidence": list(self.evidence),
        }


def _json(path: Path) -> dict[str, Any] | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_CONFIG:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _modalities(config: dict[str, Any], model_dir: Path, evidence: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    model_type = str(config.get("model_type", "")).lower()
    archs = " ".join(str(a) for a in config.get("architectures", []) or []).lower()
    vision_key = next((k for k in _VISION_KEYS if config.get(k)), None)
    if vision_key or any(t in model_type for t in _VISION_TYPES) or "vision" in archs:
        found.append("vision")
        evidence.append(f"config.json: {vision_key or model_type or archs}")
    audio_key = next((k for k in _AUDIO_KEYS if config.get(k)), None)
    if audio_key or any(t in model_type for t in _AUDIO_TYPES) or "speech" in archs:
        found.append("audio")
        evidence.append(f"config.json: {audio_key or model_type or archs}")
    for name in _IMAGE_FILES:
        processor = _json(model_dir / name)
        if processor is None:
            continue
        if "feature_extractor_type" in processor and "image_processor_type" not in processor:
            if "audio" not in found and "sampling_rate" in processor:
                found.append("audio")
                evidence.append(name)
        elif "vision" not in found:
            found.append("vision")
            evidence.append(name)
    for name in _PROCESSOR_FILES:
        processor = _json(model_dir / name)
        if processor and "vision" not in found and "image_processor" in json.dumps(processor):
            found.append("vision")
            evidence.append(name)
    return tuple(found)


def _safetensors_parameters(model_dir: Path) -> int | None:
    shards = sorted(model_dir.glob("*.safetensors"))[:_MAX_SHARDS]
    if not shards:
        return None
    total = 0
    for shard in shards:
        try:
            with shard.open("rb") as fh:
                head = fh.read(8)
                if len(head) < 8:
                    return None
                (size,) = struct.unpack("<Q", head)
                if size > _MAX_HEADER:
                    return None
                header = json.loads(fh.read(size))
        except (OSError, ValueError, struct.error):
            return None
        if not isinstance(header, dict):
            return None
        for name, info in header.items():
            if name == "__metadata__" or not isinstance(info, dict):
                continue
            count = 1
            for dim in info.get("shape", []):
                count *= int(dim)
            total += count
    return total


def _index_parameters(model_dir: Path) -> int | None:
    index = _json(model_dir / "model.safetensors.index.json")
    if not index:
        return None
    meta = index.get("metadata") or {}
    if isinstance(meta.get("total_parameters"), int):
        return int(meta["total_parameters"])
    return None


def read_model_facts(model_dir: Path) -> ModelFacts:
    """The facts of the model in ``model_dir`` (all None when it ships no config)."""
    evidence: list[str] = []
    config = _json(model_dir / "config.json")
    modalities: tuple[str, ...] | None = None
    family = None
    if config is not None:
        modalities = _modalities(config, model_dir, evidence)
        family = str(config.get("model_type")) if config.get("model_type") else None
        if not modalities:
            evidence.append("config.json: no vision or audio encoder")
    elif any((model_dir / name).is_file() for name in _IMAGE_FILES):
        modalities = _modalities({}, model_dir, evidence)
    parameters = _index_parameters(model_dir) or _safetensors_parameters(model_dir)
    if parameters:
        evidence.append("safetensors headers")
    return ModelFacts(
        modalities=modalities, parameters=parameters, family=family, evidence=tuple(evidence)
    )
