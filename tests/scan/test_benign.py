"""Real files written by the real libraries produce nothing at medium or above."""

from __future__ import annotations

import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelsteward.demo.models import build_workspace
from modelsteward.findings import Severity
from modelsteward.scan import ScanOptions, scan_path
from modelsteward.scan.allowlist import TIER0


def _serious(path: Path) -> list[str]:
    report = scan_path(path, ScanOptions())
    return [f"{f.rule_id}: {f.message}" for f in report.at_least(Severity.MEDIUM)]


def test_tier0_covers_torch_weights_only() -> None:
    from torch._weights_only_unpickler import _get_allowed_globals

    assert set(_get_allowed_globals()) <= TIER0


def test_torch_save_zip_and_legacy(tmp_path: Path) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    state = {
        "model": model.state_dict(),
        "step": 3,
        "param": torch.nn.Parameter(torch.ones(2)),
        "half": torch.zeros(2, dtype=torch.float16),
        "meta": {"lr": 1e-3, "name": "x", "b": b"bytes"},
    }
    torch.save(state, tmp_path / "new.pt")
    torch.save(state, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    for proto in (2, 4):
        torch.save(model.state_dict(), tmp_path / f"p{proto}.pth", pickle_protocol=proto)
    assert _serious(tmp_path) == []


@pytest.fixture(scope="module")
def sklearn_models() -> list[object]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3))
    y = (x[:, 0] > 0).astype(int)
    pipe = Pipeline([("s", StandardScaler()), ("lr", LogisticRegression())]).fit(x, y)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y)
    boost = GradientBoostingClassifier(n_estimators=3).fit(x, y)
    text = Pipeline([("t", TfidfVectorizer())]).fit(["alpha beta", "beta gamma", "gamma delta"])
    cats = ColumnTransformer([("o", OneHotEncoder(), [0])]).fit(np.array([["a"], ["b"]]))
    return [pipe, forest, boost, text, cats]


@pytest.mark.parametrize("compress", [0, 3, ("gzip", 3), ("bz2", 3), ("xz", 3)])
def test_joblib_sklearn(tmp_path: Path, sklearn_models: list[object], compress: object) -> None:
    for i, est in enumerate(sklearn_models):
        joblib.dump(est, tmp_path / f"m{i}.joblib", compress=compress)
    assert _serious(tmp_path) == []


def test_numpy_and_plain_pickles(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.arange(10, dtype=np.float32))
    np.savez_compressed(tmp_path / "b.npz", x=np.ones((3, 3)), y=np.arange(4))
    data = {"a": [1, 2.5, "s", b"b", None, True], "t": (1,), "s": {1, 2}, "f": frozenset({3})}
    for proto in range(6):
        (tmp_path / f"d{proto}.pkl").write_bytes(pickle.dumps(data, protocol=proto))
    (tmp_path / "arr.pkl").write_bytes(pickle.dumps(np.arange(5), protocol=4))
    assert _serious(tmp_path) == []


def test_demo_models(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path)
    assert _serious(ws.clean) == []
    assert _serious(ws.finetune) == []
    trojan = scan_path(ws.trojan, ScanOptions())
    assert [f.evidence for f in trojan.at_least(Severity.HIGH)] == ["posix.system"]
