"""GGUF header parsing: real gguf-py files pass; lying counts, lengths and templates fire."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import gguf
import numpy as np
import pytest

from modelsteward.demo.models import CHAT_TEMPLATE
from modelsteward.findings import Severity
from modelsteward.scan.gguf import RULES, GgufScanner
from tests.scan.format_factories import (
    GGUF_ARRAY,
    GGUF_STRING,
    GGUF_UINT32,
    gguf_bytes,
    gguf_kv,
    gguf_string,
    gguf_tensor,
    rule_ids,
    scan,
    template_gguf,
)

SCANNER = GgufScanner()
ARCH = gguf_kv("general.architecture", GGUF_STRING, gguf_string("llama"))

# CVE-2024-34359 (GHSA-56xg-wfcc-g829): the published llama-cpp-python proof of concept.
LLAMA_DRAMA = (
    "{% for x in ().__class__.__base__.__subclasses__() %}"
    '{% if "warning" in x.__name__ %}'
    "{{ x()._module.__builtins__['__import__']('os').popen(\"touch /tmp/retr0reg\") }}"
    "{% endif %}{% endfor %}"
)


def _real_gguf(path: Path, template: str = CHAT_TEMPLATE) -> Path:
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(1)
    writer.add_chat_template(template)
    writer.add_token_list(["<s>", "</s>", "a", "b"])
    writer.add_token_scores([0.0, 0.0, -1.0, -2.0])
    writer.add_tensor("tok_embd.weight", np.ones((4, 32), np.float32))
    writer.add_tensor("norm.weight", np.ones((32,), np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_real_gguf_has_no_findings(tmp_path: Path) -> None:
    assert scan(SCANNER, _real_gguf(tmp_path / "m.gguf")) == []


def test_shared_stories_model_has_no_findings(shared_dir: Path) -> None:
    path = shared_dir / "models" / "stories260K" / "stories260K.gguf"
    if not path.is_file():
        pytest.skip("stories260K.gguf not present")
    assert [f for f in scan(SCANNER, path) if f.severity >= Severity.MEDIUM] == []


def test_template_escape_in_real_gguf_is_critical(tmp_path: Path) -> None:
    found = scan(SCANNER, _real_gguf(tmp_path / "m.gguf", LLAMA_DRAMA))
    escapes = [f for f in found if f.rule_id == "scan.gguf.template-escape"]
    assert escapes and escapes[0].severity is Severity.CRITICAL
    assert "CVE-2024-34359" in escapes[0].refs
    assert escapes[0].location.member == "tokenizer.chat_template"


def test_named_template_is_analysed(tmp_path: Path) -> None:
    kv = gguf_kv("tokenizer.chat_template.tool_use", GGUF_STRING, gguf_string("{{ lipsum }}"))
    path = tmp_path / "t.gguf"
    path.write_bytes(gguf_bytes([ARCH, kv]))
    assert rule_ids(scan(SCANNER, path)) == {"scan.gguf.template-suspicious"}


def _with_tensor(dims: list[int], offset: int, data: bytes, ggml_type: int = 0) -> bytes:
    return gguf_bytes([ARCH], [gguf_tensor("w", dims, ggml_type, offset)], data)


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        # Lying counts: 2**62 metadata entries in a tiny file (memory exhaustion).
        (gguf_bytes([ARCH], n_kv=2**62), "malformed"),
        (gguf_bytes([ARCH], n_tensors=2**62), "malformed"),
        # A string length far past the end of the file (CVE-2024-25664 class).
        (
            gguf_bytes([gguf_kv("general.name", GGUF_STRING, gguf_string("x", length=2**40))]),
            "malformed",
        ),
        # An array whose element count cannot fit in the file.
        (
            gguf_bytes(
                [
                    gguf_kv(
                        "tokenizer.ggml.tokens", GGUF_ARRAY, struct.pack("<IQ", GGUF_STRING, 2**50)
                    )
                ]
            ),
            "malformed",
        ),
        (gguf_bytes([ARCH, ARCH]), "malformed"),  # duplicate key
        (gguf_bytes([gguf_kv("k", 99, b"")]), "malformed"),  # unknown value type
        (gguf_bytes([gguf_kv("k", 7, b"\x05")]), "malformed"),  # bool that is not 0/1
        (
            gguf_bytes([gguf_kv("general.alignment", GGUF_UINT32, struct.pack("<I", 3))]),
            "malformed",
        ),
        (gguf_bytes([ARCH], version=1), "malformed"),
        (
            gguf_bytes([gguf_string(b"\xff\xfe") + struct.pack("<I", 4) + b"\0" * 4]),
            "malformed",
        ),
        # CVE-2026-33298 / Ollama OOB read class: tensor data beyond the end of the file.
        (_with_tensor([1024], 0, b"\0" * 64), "tensor-bounds"),
        (
            gguf_bytes(
                [ARCH], [gguf_tensor("a", [16], 0, 0), gguf_tensor("b", [16], 0, 32)], b"\0" * 96
            ),
            "tensor-overlap",
        ),
        (_with_tensor([4], 3, b"\0" * 64), "malformed"),  # unaligned offset
        (template_gguf(LLAMA_DRAMA), "template-escape"),
        (template_gguf("{% for %}"), "template-malformed"),
        (template_gguf("{{ 'x' * 1000000000 }}"), "template-resource-limit"),
    ],
)
def test_hostile_gguf_fires_rule(tmp_path: Path, data: bytes, rule: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    start = time.perf_counter()
    found = scan(SCANNER, path)
    assert time.perf_counter() - start < 1.0
    assert f"scan.gguf.{rule}" in rule_ids(found), found


def test_truncated_real_file_is_malformed_at_every_cut(tmp_path: Path) -> None:
    real = _real_gguf(tmp_path / "m.gguf").read_bytes()
    header_end = real.index(b"norm.weight") + 40
    for cut in range(5, header_end, 7):
        path = tmp_path / "cut.gguf"
        path.write_bytes(real[:cut])
        found = scan(SCANNER, path)
        assert "scan.gguf.malformed" in rule_ids(found) or found, cut


def test_rules_catalog() -> None:
    ids = {r.id for r in RULES}
    assert {"scan.gguf.malformed", "scan.gguf.template-escape", "scan.gguf.tensor-bounds"} <= ids
