from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.demo import build_workspace
from modelsteward.inventory import ArtifactKind, walk_model


def test_demo_models_are_real_files(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path)
    kinds = {a.relpath: a.kind for a in walk_model(ws.clean).artifacts}
    assert kinds["model.safetensors"] is ArtifactKind.SAFETENSORS
    assert kinds["tiny-llama.gguf"] is ArtifactKind.GGUF
    trojan = {a.relpath: a.kind for a in walk_model(ws.trojan).artifacts}
    assert trojan["pytorch_model.bin"] is ArtifactKind.ZIP
    card = (ws.finetune / "README.md").read_text()
    assert "license: mit" in card and "base_model: meta-llama/Meta-Llama-3-8B-Instruct" in card


def test_trojan_pickle_names_os_system_without_running_it(tmp_path: Path) -> None:
    import pickletools
    import zipfile

    ws = build_workspace(tmp_path)
    with zipfile.ZipFile(ws.trojan / "pytorch_model.bin") as zf:
        data = zf.read("archive/data.pkl")
    globals_seen = [arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"]
    assert "posix system" in globals_seen
    assert "torch._utils _rebuild_tensor_v2" in globals_seen


def test_demo_command_exits_0_and_shows_the_three_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["demo", "--workspace", str(tmp_path / "ws")]) == 0
    out = capsys.readouterr().out
    for name in ("tiny-llama", "helpful-llama-trojan", "support-bot-lora"):
        assert name in out
