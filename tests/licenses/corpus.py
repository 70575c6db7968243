"""The shared license corpus as test parameters, and model directories built by code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.shared import SHARED

CORPUS = SHARED / "data" / "model-licenses"
HAVE_CORPUS = CORPUS.is_dir()
needs_corpus = pytest.mark.skipif(
    not HAVE_CORPUS, reason=f"the shared/ license corpus is absent here ({CORPUS})"
)

ROLES = {"LICENSE.txt": "license", "USE_POLICY.md": "policy", "PROHIBITED_USE_POLICY.md": "policy"}


def corpus_documents() -> list[tuple[str, str, Path]]:
    """(license id, role, path) for every text in the corpus (empty when it is absent)."""
    if not HAVE_CORPUS:
        return []
    out = []
    for folder in sorted(CORPUS.iterdir()):
        for path in sorted(folder.iterdir()):
            if path.name in ROLES:
                out.append((folder.name, ROLES[path.name], path))
    return out


DOCUMENTS = corpus_documents()
DOC_IDS = [f"{lic}/{role}" for lic, role, _ in DOCUMENTS]
LICENSE_IDS = sorted({lic for lic, _, _ in DOCUMENTS})


def text_of(license_id: str, role: str = "license") -> str:
    """The corpus text of a license (skips the test when the corpus is absent)."""
    if not HAVE_CORPUS:
        pytest.skip(f"the shared/ license corpus is absent here ({CORPUS})")
    name = {"license": "LICENSE.txt"}.get(role)
    folder = CORPUS / license_id
    if name is None:
        name = next((n for n, r in ROLES.items() if r == role and (folder / n).exists()), "")
    if not name or not (folder / name).is_file():
        pytest.skip(f"{license_id} {role} text not in the license corpus at {CORPUS}")
    return (folder / name).read_text(encoding="utf-8")


def make_model(
    root: Path,
    name: str = "model",
    *,
    card: dict[str, object] | None = None,
    files: dict[str, str] | None = None,
    adapter_base: str | None = None,
    config: dict[str, object] | None = None,
) -> Path:
    """A model directory with an optional card (front matter), license files and adapter;
    ``config`` is its config.json (a text-only Llama by default)."""
    model = root / name
    model.mkdir(parents=True)
    config = {"model_type": "llama"} if config is None else config
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    if card is not None:
        front = yaml.safe_dump(card, sort_keys=False)
        (model / "README.md").write_text(f"---\n{front}---\n\n# {name}\n", encoding="utf-8")
    for rel, text in (files or {}).items():
        (model / rel).write_text(text, encoding="utf-8")
    if adapter_base is not None:
        config = {"base_model_name_or_path": adapter_base, "peft_type": "LORA"}
        (model / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    return model


VISION_CONFIG: dict[str, object] = {
    "architectures": ["MllamaForConditionalGeneration"],
    "model_type": "mllama",
    "vision_config": {"image_size": 560, "patch_size": 14},
    "text_config": {"model_type": "mllama_text_model"},
}
"""The config.json of a Llama 3.2 Vision model (a vision encoder beside the text model)."""
