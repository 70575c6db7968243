"""A pretrained text classifier read from a local directory (transformers or ONNX format),
such as a Prompt Guard or DeBERTa injection classifier a team already runs.

Opt-in through the safety policy's ``model`` section (see ``ModelSpec``); nothing is ever
downloaded: the directory is opened with ``local_files_only`` and weights load only from
``safetensors`` or ``.onnx`` files (a pickled ``pytorch_model.bin`` is refused). Input is
bounded: at most ``max_chars`` characters are read (the head and the tail of a longer
text), cut into at most two windows of ``max_length`` tokens.

Scores are calibrated to the policy's scale: each label's own threshold (chosen on a
validation split) maps to 0.5, so the category rules of the policy (block at 0.5) and the
judge band keep their meaning whatever model is plugged in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from modelsteward.safety.guards.signals import message_texts
from modelsteward.safety.interface import Category, Detection, Role, SafetyError

Format = Literal["auto", "transformers", "onnx"]
Mode = Literal["add", "replace"]
MODEL_CATEGORIES = frozenset(
    {Category.PROMPT_INJECTION, Category.JAILBREAK, Category.HARMFUL_REQUEST}
)
"""The categories a text classifier may report (whole-text request categories)."""
_GUESSES = (
    ("inject", Category.PROMPT_INJECTION),
    ("jailbreak", Category.JAILBREAK),
    ("harm", Category.HARMFUL_REQUEST),
    ("unsafe", Category.HARMFUL_REQUEST),
)
_HINT = "see docs/safety.md, 'A local classifier model'"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Where the classifier lives and how to read its labels."""

    path: Path
    format: Format = "auto"
    labels: Mapping[str, Category] = field(default_factory=dict)
    """Model label (``id2label`` name) to category; labels not named are ignored. Empty:
    guessed from the names (``INJECTION``, ``JAILBREAK``, ``harmful``...)."""
    threshold: float = 0.5
    """The model probability that counts as a detection (mapped to score 0.5)."""
    thresholds: Mapping[str, float] = field(default_factory=dict)
    """Per-label thresholds, overriding ``threshold``."""
    max_length: int = 512
    """Tokens per window."""
    max_chars: int = 8000
    """Characters read from one text (its head and tail halves beyond that)."""
    activation: Literal["auto", "softmax", "sigmoid"] = "auto"
    """``auto``: sigmoid for multi-label models, softmax otherwise."""
    mode: Mode = "add"
    """``add``: the model's detections join the offline guards'; ``replace``: the offline
    injection, jailbreak and harm detections are dropped and the model alone decides them."""


class _Backend(Protocol):
    def logits(self, texts: Sequence[str]) -> np.ndarray: ...


def _fail(message: str, hint: str = _HINT) -> SafetyError:
    return SafetyError(message, hint=hint)


def _read_config(root: Path) -> dict[str, Any]:
    config = root / "config.json"
    if not config.is_file():
        return {}
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read {config}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def detect_format(path: Path) -> tuple[Literal["transformers", "onnx"], Path]:
    """The format of the model at ``path`` and its ONNX file (or directory).

    Raises:
        SafetyError: when ``path`` does not exist or holds no model this guard reads.
    """
    if not path.exists():
        raise _fail(f"the safety model path {path} does not exist", "give a local directory")
    if path.is_file():
        if path.suffix == ".onnx":
            return "onnx", path
        raise _fail(
            f"the safety model {path} is a file but not an .onnx graph",
            "give a transformers directory or an ONNX model (model.onnx with tokenizer.json)",
        )
    for onnx in (path / "model.onnx", path / "onnx" / "model.onnx"):
        if onnx.is_file():
            return "onnx", onnx
    if (path / "config.json").is_file():
        if (path / "model.safetensors").is_file() or any(path.glob("model-*.safetensors")):
            return "transformers", path
        if any(path.glob("*.bin")):
            raise _fail(
                f"the safety model at {path} has only pickled weights (*.bin)",
                "convert it to safetensors (or ONNX); pickled weights can run code when read",
            )
    raise _fail(
        f"no classifier model found at {path}",
        "expected config.json with model.safetensors (transformers) or model.onnx with "
        "tokenizer.json (ONNX)",
    )


class _Transformers:
    def __init__(self, root: Path, max_length: int) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise _fail(
                "a transformers-format safety model needs torch and transformers",
                "pip install 'modelsteward[safety-model]', or export the model to ONNX",
            ) from exc
        try:
            self._tok = AutoTokenizer.from_pretrained(root, local_files_only=True)
            self._model = AutoModelForSequenceClassification.from_pretrained(
                root, local_files_only=True, use_safetensors=True
            ).eval()
        except (OSError, ValueError, KeyError) as exc:
            raise _fail(f"cannot load the safety model at {root}: {exc}") from exc
        self._torch = torch
        self._max = max_length

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        enc = self._tok(
            list(texts), truncation=True, max_length=self._max, padding=True, return_tensors="pt"
        )
        with self._torch.inference_mode():
            out = self._model(**enc).logits
        return np.asarray(out.float().numpy(), dtype=np.float32)


class _Onnx:
    def __init__(self, graph: Path, max_length: int) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise _fail(
                "an ONNX safety model needs onnxruntime and tokenizers",
                "pip install 'modelsteward[safety-model]'",
            ) from exc
        tokenizer = next(
            (
                p
                for p in (graph.parent / "tokenizer.json", graph.parent.parent / "tokenizer.json")
                if p.is_file()
            ),
            None,
        )
        if tokenizer is None:
            raise _fail(
                f"no tokenizer.json next to {graph}",
                "save the model's fast tokenizer (tokenizer.json) beside the ONNX graph",
            )
        try:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                str(graph), options, providers=["CPUExecutionProvider"]
            )
            self._tok = Tokenizer.from_file(str(tokenizer))
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise _fail(f"cannot load the ONNX safety model {graph}: {exc}") from exc
        self._tok.enable_truncation(max_length)
        pad = self._tok.token_to_id("[PAD]")
        self._tok.enable_padding(pad_id=pad if pad is not None else 0)
        self._inputs = {i.name for i in self._session.get_inputs()}

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        batch = self._tok.encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
        }
        out = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        return np.asarray(out[0], dtype=np.float32)


def _label_names(config: Mapping[str, Any], width: int) -> list[str]:
    id2label = config.get("id2label") or {}
    return [str(id2label.get(str(i), id2label.get(i, f"LABEL_{i}"))) for i in range(width)]


def _guess(name: str) -> Category | None:
    low = name.lower()
    if low.startswith(("benign", "safe")):
        return None
    return next((cat for key, cat in _GUESSES if key in low), None)


def _calibrated(p: float, threshold: float) -> float:
    """``p`` on the policy's scale: ``threshold`` maps to 0.5, linearly on each side."""
    if p < threshold:
        return 0.5 * p / threshold if threshold > 0 else 0.5
    return 0.5 + 0.5 * (p - threshold) / (1.0 - threshold) if threshold < 1 else 1.0


class ModelGuard:
    """The classifier behind ``ModelSpec``, loaded on first use, shared across threads."""

    name = "model"

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self._backend: _Backend | None = None
        self._columns: tuple[tuple[int, str, Category, float], ...] = ()
        self._sigmoid = False
        self._lock = threading.Lock()
        self._infer = threading.Lock()

    def load(self) -> None:
        """Open the model now (otherwise on first use).

        Raises:
            SafetyError: when the path, format, labels or thresholds are wrong.
        """
        with self._lock:
            if self._backend is not None:
                return
            spec = self.spec
            fmt, where = detect_format(spec.path)
            if spec.format != "auto" and spec.format != fmt:
                raise _fail(
                    f"the safety model at {spec.path} is {fmt}, not {spec.format}",
                    f"set format: {fmt} (or auto) in the policy's model section",
                )
            root = where if where.is_dir() else where.parent
            config = _read_config(root) or _read_config(root.parent)
            backend: _Backend = (
                _Onnx(where, spec.max_length)
                if fmt == "onnx"
                else _Transformers(where, spec.max_length)
            )
            width = int(backend.logits(["hello"]).shape[-1])
            names = _label_names(config, width)
            self._columns = self._map(names)
            multi = config.get("problem_type") == "multi_label_classification"
            self._sigmoid = spec.activation == "sigmoid" or (
                spec.activation == "auto" and (multi or width == 1)
            )
            self._backend = backend

    def _map(self, names: list[str]) -> tuple[tuple[int, str, Category, float], ...]:
        spec = self.spec
        unknown = sorted(set(spec.labels) - set(names))
        if unknown:
            raise _fail(
                f"the safety model has no label {unknown[0]!r} (it has {', '.join(names)})",
                "name the model's own id2label labels in the policy's model.labels",
            )
        columns = []
        for i, name in enumerate(names):
            category = spec.labels.get(name) if spec.labels else _guess(name)
            if category is None:
                continue
            if category not in MODEL_CATEGORIES:
                raise _fail(
                    f"label {name!r} maps to {category.value}, which a classifier cannot report",
                    "map labels to prompt_injection, jailbreak or harmful_request",
                )
            columns.append((i, name, category, spec.thresholds.get(name, spec.threshold)))
        if not columns:
            raise _fail(
                f"no label of the safety model ({', '.join(names)}) maps to a category",
                "set model.labels, e.g. {INJECTION: prompt_injection, JAILBREAK: jailbreak}",
            )
        return tuple(columns)

    def _windows(self, text: str) -> list[str]:
        text = (
            text[: self.spec.max_chars // 2] + text[-(self.spec.max_chars // 2) :]
            if len(text) > self.spec.max_chars
            else text
        )
        span = self.spec.max_length * 4
        if len(text) <= span:
            return [text]
        return [text[:span], text[-span:]]

    def probabilities(self, text: str) -> dict[str, float]:
        """The model's probability per mapped label (maximum over the windows)."""
        self.load()
        assert self._backend is not None
        with self._infer:
            logits = self._backend.logits(self._windows(text))
        if self._sigmoid:
            probs = 1.0 / (1.0 + np.exp(-logits))
        else:
            shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probs = shifted / shifted.sum(axis=-1, keepdims=True)
        best = probs.max(axis=0)
        return {name: float(best[i]) for i, name, _, _ in self._columns}

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        """One detection per mapped label, with its calibrated score (0.5 = threshold)."""
        if not text.strip():
            return ()
        probs = self.probabilities(text)
        out: dict[Category, Detection] = {}
        for _, name, category, threshold in self._columns:
            score = _calibrated(probs[name], threshold)
            if score <= 0.0 or (category in out and out[category].score >= score):
                continue
            out[category] = Detection(
                category=category,
                score=round(score, 4),
                label=f"model:{name}",
                evidence=f"{name} {probs[name]:.3f}",
                source="model",
            )
        return tuple(out.values())

    def check_request(self, messages: Sequence[Mapping[str, object]]) -> tuple[Detection, ...]:
        """Every user, document and tool text of a chat request."""
        found: list[Detection] = []
        for text, role in message_texts(messages):
            if role is not Role.ASSISTANT and role is not Role.SYSTEM:
                found.extend(self.check_text(text, role))
        return tuple(found)
