"""Generated model repositories for the fleet tests: small safetensors models with a card,
one whose checkpoint runs a shell command on load, and one broken file."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np

CARD = "---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# {name}\n\nA test model.\n"


def clean_model(path: Path, seed: int) -> Path:
    """A tiny Hugging Face layout: config, safetensors weights and an Apache-2.0 card."""
    from safetensors.numpy import save_file

    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    save_file(
        {"w": rng.standard_normal((4, 4)).astype(np.float32)}, str(path / "model.safetensors")
    )
    (path / "config.json").write_text(json.dumps({"model_type": "llama", "seed": seed}))
    (path / "README.md").write_text(CARD.format(name=path.name))
    return path


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("id",))


def malicious_model(path: Path) -> Path:
    """A torch-style zip checkpoint whose pickle calls ``os.system`` when loaded."""
    path.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path / "pytorch_model.bin", "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"state": _Boom()}, protocol=2))
        zf.writestr("archive/version", "3\n")
    (path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (path / "README.md").write_text(CARD.format(name=path.name))
    return path


def broken_model(path: Path) -> Path:
    """Weights that are not a safetensors file at all."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "model.safetensors").write_bytes(b"\xff" * 64)
    (path / "config.json").write_text("{}")
    return path


def fleet(root: Path, clean: int = 4) -> list[Path]:
    """``clean`` distinct clean models, one malicious and one broken, under ``root``."""
    out = [clean_model(root / "org" / f"model-{i}", seed=i) for i in range(clean)]
    out.append(malicious_model(root / "org" / "trojan"))
    out.append(broken_model(root / "other" / "broken"))
    return out
