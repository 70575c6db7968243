"""A tiny Llama-architecture GGUF built by code that llama.cpp loads and runs.

The weights are random (seeded) and the vocabulary is a small SentencePiece-style one: the
three control tokens, the 256 byte-fallback tokens, the letters with and without the word
marker, and a few whole words. The output projection gives the byte tokens no weight, so the
model babbles in those words instead of raw bytes. It is for demonstrations and tests that
need a real engine, not for reading: the answers are word salad.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

WORD = "\u2581"
"""SentencePiece's word-start marker."""

_WORDS = (
    "the", "and", "was", "to", "he", "she", "it", "day", "cat", "dog", "sun", "play",
    "happy", "little", "friend", "tree", "ball", "saw", "big", "red",
)  # fmt: skip
_EMBED = 32
_HEADS = 4
_KV_HEADS = 2
_FFN = 64
_LAYERS = 2
_CONTEXT = 512
_CONTROL = ("<unk>", "<s>", "</s>")
_TYPE_NORMAL, _TYPE_UNKNOWN, _TYPE_CONTROL, _TYPE_BYTE = 1, 2, 3, 6


def vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and token types, without duplicates."""
    tokens = list(_CONTROL) + [f"<0x{b:02X}>" for b in range(256)]
    types = [_TYPE_UNKNOWN, _TYPE_CONTROL, _TYPE_CONTROL] + [_TYPE_BYTE] * 256
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces = [WORD, *letters, *(WORD + c for c in letters), *(WORD + w for w in _WORDS), "."]
    seen = set(tokens)
    for piece in pieces:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(_TYPE_NORMAL)
    # Longer pieces score higher, so the tokenizer prefers whole words.
    scores = [0.0] * len(tokens)
    for i, token in enumerate(tokens):
        if types[i] == _TYPE_NORMAL:
            scores[i] = float(len(token)) - i * 1e-3
    return tokens, scores, types


def write_tiny_llama_gguf(
    path: Path, *, name: str = "tiny-llama", chat_template: str | None = None, seed: int = 0
) -> Path:
    """Write the model to ``path`` (about 170 KB) and return ``path``."""
    import gguf

    tokens, scores, types = vocabulary()
    rng = np.random.default_rng(seed)
    head_dim = _EMBED // _HEADS

    def normal(*shape: int, scale: float = 0.2) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    output = normal(len(tokens), _EMBED, scale=1.0)
    output[[i for i, t in enumerate(types) if t != _TYPE_NORMAL]] = 0.0
    tensors: list[tuple[str, np.ndarray]] = [
        ("token_embd.weight", normal(len(tokens), _EMBED)),
        ("output_norm.weight", np.ones(_EMBED, np.float32)),
        ("output.weight", output),
    ]
    for i in range(_LAYERS):
        tensors += [
            (f"blk.{i}.attn_norm.weight", np.ones(_EMBED, np.float32)),
            (f"blk.{i}.attn_q.weight", normal(_EMBED, _EMBED)),
            (f"blk.{i}.attn_k.weight", normal(_KV_HEADS * head_dim, _EMBED)),
            (f"blk.{i}.attn_v.weight", normal(_KV_HEADS * head_dim, _EMBED)),
            (f"blk.{i}.attn_output.weight", normal(_EMBED, _EMBED)),
            (f"blk.{i}.ffn_norm.weight", np.ones(_EMBED, np.float32)),
            (f"blk.{i}.ffn_gate.weight", normal(_FFN, _EMBED)),
            (f"blk.{i}.ffn_up.weight", normal(_FFN, _EMBED)),
            (f"blk.{i}.ffn_down.weight", normal(_EMBED, _FFN)),
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(name)
    writer.add_string("general.license", "apache-2.0")
    writer.add_context_length(_CONTEXT)
    writer.add_embedding_length(_EMBED)
    writer.add_block_count(_LAYERS)
    writer.add_feed_forward_length(_FFN)
    writer.add_head_count(_HEADS)
    writer.add_head_count_kv(_KV_HEADS)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    for tensor_name, array in tensors:
        writer.add_tensor(tensor_name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
