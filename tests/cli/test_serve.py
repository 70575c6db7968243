"""``modelsteward serve``: argument errors, the quick-start refusal, and the demo section."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from modelsteward.cli.demo_context import DemoContext
from modelsteward.cli.main import run
from modelsteward.cli.serve_demo import run_demo
from modelsteward.cli.state import CliState
from modelsteward.config import load_settings
from modelsteward.demo.models import build_workspace


@pytest.mark.parametrize(
    "argv",
    [
        ["serve"],
        ["serve", "--config", "x.yaml", "--gguf", "y.gguf"],
        ["serve", "--gguf", "does-not-exist.gguf"],
        ["serve", "--config", "does-not-exist.yaml"],
    ],
)
def test_bad_invocations_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 2
    assert "error:" in capsys.readouterr().err


def _gguf(path: Path, template: str | None = None) -> Path:
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("t")
    if template is not None:
        writer.add_chat_template(template)
    writer.add_tensor("w", np.zeros((2, 2), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_quick_start_refuses_a_file_with_critical_scan_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CVE-2024-34359: a GGUF chat template that escapes the Jinja sandbox.
    template = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    evil = _gguf(tmp_path / "evil.gguf", template)
    assert run(["serve", "--gguf", str(evil)]) == 2
    err = capsys.readouterr().err
    assert (
        "refusing to serve evil.gguf: high or critical findings in its files: "
        "scan.gguf.template-escape (critical)" in err
    )


def _truncated(path: Path) -> Path:
    """A GGUF whose tensor runs past the end of the file (a high finding)."""
    whole = _gguf(path).read_bytes()
    path.write_bytes(whole[:-24])  # into the 16 bytes of the last tensor
    return path


def test_quick_start_refuses_a_file_with_a_high_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = _truncated(tmp_path / "short.gguf")
    assert run(["serve", "--gguf", str(short), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        "refusing to serve short.gguf: high or critical findings in its files: "
        "scan.gguf.tensor-bounds (high)" in err
    )


@pytest.mark.parametrize("warn_only", [True, False])
def test_no_approval_mode_serves_a_file_with_a_high_finding(
    tmp_path: Path, warn_only: bool
) -> None:
    from modelsteward.gateway.vetting import vet_for_serving

    status = vet_for_serving(_truncated(tmp_path / "short.gguf"), warn_only=warn_only)
    assert not status.approved and "scan.gguf.tensor-bounds (high)" in status.reason
    assert vet_for_serving(_gguf(tmp_path / "fine.gguf"), warn_only=True).approved


def test_quick_start_refuses_a_file_that_is_not_gguf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trojan = build_workspace(tmp_path / "ws").trojan / "pytorch_model.bin"
    assert run(["serve", "--gguf", str(trojan)]) == 2
    err = capsys.readouterr().err
    assert "error: not a GGUF file" in err and "zip" in err


def test_quick_start_refuses_a_gguf_the_scanner_cannot_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\xff" * 64)
    assert run(["serve", "--gguf", str(bad), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "high or critical findings in its files: scan.gguf.malformed (high)" in err


def test_quick_start_reports_a_file_llama_cpp_cannot_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A well-formed GGUF without a vocabulary: it passes the scan, llama.cpp refuses it.
    header_only = _gguf(tmp_path / "weights-only.gguf")
    assert run(["serve", "--gguf", str(header_only), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "llama.cpp could not load weights-only.gguf" in err
    assert "Traceback" not in err


def test_demo_section_serves_its_own_gguf_with_the_safety_layer(tmp_path: Path) -> None:
    console = Console(record=True, width=160)
    context = DemoContext(
        build_workspace(tmp_path / "ws"), console, CliState(settings=load_settings())
    )
    run_demo(context)
    text = console.export_text()
    assert "tiny-llama.gguf: vetted in warn mode" in text
    assert "PII in the prompt: served" in text
    assert "safety.guard.pii" in text
    assert "safety.guard.prompt-injection" in text
    assert "HTTP 400 content_blocked" in text
    received = text.split("the engine received", 1)[1]
    assert "jane.doe@example.com" not in received and "4111" not in received
