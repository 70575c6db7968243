"""Model repositories written by the real libraries, built at test time with tiny configurations.

Each builder writes one repository the way its library saves it (``save_pretrained``,
``Trainer``, ``torch.save``, ``joblib.dump``, native boosters, Keras, ``torch.onnx.export``,
the ``gguf`` writer), plus an ordinary license text and a README card. A builder whose
library is not installed is reported as missing, never faked.
"""

from __future__ import annotations

import os
import pickle
import warnings
from collections.abc import Callable
from pathlib import Path

from tests.conftest import SHARED

MIT_TEXT = """MIT License

Copyright (c) 2024 Example Org

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


class MissingLibrary(Exception):
    """The library a builder needs is not installed."""


def license_text() -> str:
    """The MIT text as published in a model repository (from ``../shared`` when present)."""
    shared = SHARED / "data" / "model-licenses" / "apache-2.0" / "LICENSE.txt"
    if shared.is_file():
        return shared.read_text(encoding="utf-8")
    return MIT_TEXT


def _card(root: Path, library: str, license_id: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    spdx = "apache-2.0" if license_id == "apache-2.0" else "mit"
    (root / "README.md").write_text(
        f"---\nlicense: {spdx}\nlibrary_name: {library}\ntags:\n- tiny\n---\n\n"
        f"# tiny-{library}\n\nA tiny {library} model for tests.\n",
        encoding="utf-8",
    )
    name = "LICENSE" if spdx == "apache-2.0" else "LICENSE.txt"
    text = license_text() if spdx == "apache-2.0" else MIT_TEXT
    (root / name).write_text(text, encoding="utf-8")


def _need(module: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingLibrary(module)


def _license_id() -> str:
    shared = SHARED / "data" / "model-licenses" / "apache-2.0" / "LICENSE.txt"
    return "apache-2.0" if shared.is_file() else "mit"


# -- transformers ---------------------------------------------------------------------------
def _tiny_bert() -> object:
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=64,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
    )
    return BertForSequenceClassification(config)


def _tiny_tokenizer(root: Path) -> object:
    from transformers import BertTokenizerFast

    vocab = root / "_vocab.txt"
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "a", "b"]
    vocab.write_text("\n".join(words) + "\n", encoding="utf-8")
    tok = BertTokenizerFast(vocab_file=str(vocab))
    vocab.unlink()
    return tok


def build_transformers(root: Path) -> None:
    """``save_pretrained`` in safetensors, plus the tokenizer."""
    _need("transformers")
    model = _tiny_bert()
    model.save_pretrained(root, safe_serialization=True)  # type: ignore[attr-defined]
    _tiny_tokenizer(root).save_pretrained(root)  # type: ignore[attr-defined]
    _card(root, "transformers", _license_id())


def build_transformers_bin(root: Path) -> None:
    """The legacy ``pytorch_model.bin`` layout (a ``torch.save`` of the state dict)."""
    _need("transformers")
    import torch

    model = _tiny_bert()
    model.config.save_pretrained(root)  # type: ignore[attr-defined]
    torch.save(model.state_dict(), root / "pytorch_model.bin")  # type: ignore[attr-defined]
    _card(root, "transformers", _license_id())


def build_trainer(root: Path) -> None:
    """A ``Trainer`` output directory with ``checkpoint-N/`` (optimizer, scheduler, RNG state,
    ``training_args.bin``)."""
    _need("transformers")
    _need("accelerate")
    import torch
    from transformers import Trainer, TrainingArguments

    class Rows(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
            return {"input_ids": torch.tensor([2, 5, 6, 3]), "labels": torch.tensor(i % 2)}

    args = TrainingArguments(
        output_dir=str(root),
        max_steps=1,
        per_device_train_batch_size=2,
        save_steps=1,
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        logging_strategy="no",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = Trainer(model=_tiny_bert(), args=args, train_dataset=Rows())  # type: ignore[arg-type]
        trainer.train()
        trainer.save_model(str(root))
    _card(root, "transformers", _license_id())


def build_peft(root: Path) -> None:
    """A LoRA adapter saved by PEFT (``adapter_model.safetensors`` and a ``.bin`` copy)."""
    _need("peft")
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(
        _tiny_bert(),  # type: ignore[arg-type]
        LoraConfig(r=2, lora_alpha=4, target_modules=["query", "value"]),
    )
    model.save_pretrained(str(root))
    model.save_pretrained(str(root / "bin"), safe_serialization=False)
    _card(root, "peft", _license_id())


# -- torch -----------------------------------------------------------------------------------
def build_torch_modules(root: Path) -> None:
    """``torch.save`` of whole ``torch.nn`` modules, optimizer and scheduler states."""
    import torch

    root.mkdir(parents=True, exist_ok=True)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(2, 2),
        torch.nn.LayerNorm(2),
        torch.nn.Dropout(0.1),
        torch.nn.GELU(),
        torch.nn.Embedding(4, 2),
    )
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model[3](torch.ones(1, 2)).sum().backward()
    opt.step()
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
    sched.step()
    torch.save(model, root / "model.pt")
    torch.save(model, root / "model_legacy.pt", _use_new_zipfile_serialization=False)
    torch.save(
        {"model": model.state_dict(), "optimizer": opt.state_dict(),
         "scheduler": sched.state_dict(), "epoch": 1},
        root / "checkpoint.pth",
    )  # fmt: skip
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(sgd, T_max=3)
    torch.save({"optimizer": sgd.state_dict(), "scheduler": cos.state_dict()}, root / "sgd.ckpt")
    lstm = torch.nn.LSTM(2, 2)
    torch.save(lstm, root / "lstm.pt")
    _card(root, "pytorch", _license_id())


# -- scikit-learn ------------------------------------------------------------------------------
def build_sklearn(root: Path) -> None:
    """Pipelines, ensembles and encoders; joblib (plain and compressed) and pickle."""
    _need("sklearn")
    import joblib
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        HistGradientBoostingRegressor,
        IsolationForest,
        RandomForestClassifier,
    )
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import LabelEncoder, OneHotEncoder, OrdinalEncoder, StandardScaler

    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 3))
    y = (x[:, 0] > 0).astype(int)
    cats = np.array([["a", "x"], ["b", "y"], ["a", "y"], [None, "x"]], dtype=object)
    models: dict[str, object] = {
        "pipeline": make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression()).fit(
            x, y
        ),
        "forest": RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(x, y),
        "gb": GradientBoostingClassifier(n_estimators=2).fit(x, y),
        "hgb": HistGradientBoostingRegressor(max_iter=2).fit(x, x[:, 1]),
        "iforest": IsolationForest(n_estimators=2, random_state=0).fit(x),
        "text": Pipeline([("tfidf", TfidfVectorizer())]).fit(
            ["alpha beta", "beta gamma", "gamma delta"]
        ),
        "encoders": ColumnTransformer(
            [("oh", OneHotEncoder(handle_unknown="ignore"), [0]), ("ord", OrdinalEncoder(), [1])]
        ).fit(cats),
        "labels": LabelEncoder().fit(["cat", "dog", "cat"]),
    }
    for name, est in models.items():
        joblib.dump(est, root / f"{name}.joblib")
    joblib.dump(models["pipeline"], root / "pipeline_z.joblib", compress=3)
    joblib.dump(models["forest"], root / "forest.joblib.gz", compress=("gzip", 3))
    joblib.dump(models["encoders"], root / "encoders.joblib.xz", compress=("xz", 3))
    joblib.dump(models["gb"], root / "gb.joblib.bz2", compress=("bz2", 3))
    with open(root / "model.pkl", "wb") as fh:
        pickle.dump(models["pipeline"], fh, protocol=pickle.HIGHEST_PROTOCOL)
    _card(root, "sklearn", _license_id())


# -- boosters -----------------------------------------------------------------------------------
def build_lightgbm(root: Path) -> None:
    """LightGBM's native text model and the booster/estimator pickled."""
    _need("lightgbm")
    import lightgbm as lgb

    x, y = _toy_data(root, 60)
    clf = lgb.LGBMClassifier(n_estimators=2, num_leaves=3, min_child_samples=2, verbose=-1)
    clf.fit(x, y)
    clf.booster_.save_model(str(root / "model.txt"))
    _dump_both(root, clf, clf.booster_)
    _card(root, "lightgbm", _license_id())


def _toy_data(root: Path, rows: int) -> tuple[object, object]:
    import numpy as np

    root.mkdir(parents=True, exist_ok=True)
    x = np.random.default_rng(0).standard_normal((rows, 3))
    return x, (x[:, 0] > 0).astype(int)


def _dump_both(root: Path, estimator: object, booster: object) -> None:
    import joblib

    joblib.dump(estimator, root / "classifier.joblib")
    with open(root / "booster.pkl", "wb") as fh:
        pickle.dump(booster, fh)


def build_xgboost(root: Path) -> None:
    """XGBoost's native JSON and UBJSON models and the estimator pickled."""
    _need("xgboost")
    import xgboost as xgb

    x, y = _toy_data(root, 40)
    clf = xgb.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1).fit(x, y)
    clf.save_model(str(root / "model.json"))
    clf.save_model(str(root / "model.ubj"))
    _dump_both(root, clf, clf.get_booster())
    _card(root, "xgboost", _license_id())


# -- numpy -----------------------------------------------------------------------------------
def build_numpy(root: Path) -> None:
    """``.npy``/``.npz``, including object arrays of plain strings and ``None``."""
    import numpy as np

    root.mkdir(parents=True, exist_ok=True)
    np.save(root / "weights.npy", np.arange(12, dtype=np.float32).reshape(3, 4))
    np.save(root / "labels.npy", np.array(["cat", None, "dog", "émoji 🐈"], dtype=object))
    np.save(root / "nested.npy", np.array([1, 2.5, None, "x", (1, 2)], dtype=object))
    np.savez(root / "arrays.npz", a=np.ones(3), b=np.array(["u", None], dtype=object))
    np.savez_compressed(root / "packed.npz", w=np.zeros((2, 2), dtype=np.float16))
    _card(root, "numpy", _license_id())


# -- keras -------------------------------------------------------------------------------------
def build_keras(root: Path) -> None:
    """Keras 3 ``.keras``, legacy ``.h5`` and ``.weights.h5``.

    Keras runs in a child process (torch back end): importing it installs absl logging
    handlers that outlive the test's captured streams.
    """
    _need("keras")
    import subprocess
    import sys

    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONWARNINGS": "ignore"}
    subprocess.run(
        [sys.executable, "-c", _KERAS_SCRIPT, str(root)], check=True, env=env, capture_output=True
    )
    _card(root, "keras", _license_id())


_KERAS_SCRIPT = """
import sys
from pathlib import Path
import keras
root = Path(sys.argv[1])
model = keras.Sequential(
    [keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)]
)
model.compile(optimizer="adam", loss="mse")
model.save(root / "model.keras")
model.save(root / "model.h5")
model.save_weights(root / "model.weights.h5")
"""


# -- onnx / gguf -------------------------------------------------------------------------------
def build_onnx(root: Path) -> None:
    """An ONNX export of a small torch module."""
    _need("onnx")
    import torch

    root.mkdir(parents=True, exist_ok=True)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.ones(1, 4),), str(root / "model.onnx"), dynamo=False)
    _card(root, "onnx", _license_id())


def build_gguf(root: Path) -> None:
    """A GGUF file from the ``gguf`` writer with a chat template and a tokenizer."""
    _need("gguf")
    import gguf
    import numpy as np

    root.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(root / "model.gguf"), "llama")
    writer.add_block_count(1)
    writer.add_context_length(16)
    writer.add_embedding_length(4)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(["<unk>", "<s>", "</s>", "a"])
    writer.add_chat_template(
        "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )
    writer.add_tensor("token_embd.weight", np.ones((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    _card(root, "gguf", _license_id())


BUILDERS: dict[str, Callable[[Path], None]] = {
    "transformers-safetensors": build_transformers,
    "transformers-bin": build_transformers_bin,
    "transformers-trainer": build_trainer,
    "peft-lora": build_peft,
    "torch-modules": build_torch_modules,
    "sklearn": build_sklearn,
    "lightgbm": build_lightgbm,
    "xgboost": build_xgboost,
    "numpy": build_numpy,
    "keras": build_keras,
    "onnx": build_onnx,
    "gguf": build_gguf,
}
"""Every benign repository the corpus holds, by name."""


def build(name: str, root: Path) -> Path:
    """Build repository ``name`` under ``root/name`` and return its path.

    Raises:
        MissingLibrary: when the library it needs is not installed.
    """
    target = root / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notes of the libraries themselves
        BUILDERS[name](target)
    return target
