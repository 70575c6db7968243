"""A handful of real PyPI advisories for the AI serving stack, as OSV records built by code.

Used when no advisory database is at hand (the demo on a fresh machine) and by tests. The
ids, aliases, ranges and CVSS vectors are those of the published records; summaries are
short paraphrases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_CRIT = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
_XSS = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H"

_SAMPLES: tuple[tuple[str, tuple[str, ...], str, list[dict[str, str]], str, str], ...] = (
    (
        "PYSEC-2025-42",
        ("CVE-2025-32444", "GHSA-hj4w-hm2g-p6w5"),
        "vllm",
        [{"introduced": "0.6.5"}, {"fixed": "0.8.5"}],
        _CRIT,
        "vLLM mooncake integration deserialises pickles from unauthenticated ZeroMQ sockets.",
    ),
    (
        "PYSEC-2024-259",
        ("CVE-2024-48063",),
        "torch",
        [{"introduced": "0"}, {"fixed": "2.5.0"}],
        _CRIT,
        "PyTorch RemoteModule deserialisation allows remote code execution.",
    ),
    (
        "PYSEC-2024-215",
        ("CVE-2024-47167", "GHSA-576c-3j53-r9jj"),
        "gradio",
        [{"introduced": "0"}, {"fixed": "5.0.0"}],
        _CRIT,
        "Gradio /queue/join allows server-side request forgery.",
    ),
    (
        "PYSEC-2024-240",
        ("CVE-2024-27132", "GHSA-6749-m5cp-6cg7"),
        "mlflow",
        [{"introduced": "0"}, {"fixed": "2.10.0"}],
        _XSS,
        "MLflow recipes render untrusted content without sanitising it (XSS to code execution).",
    ),
    (
        "PYSEC-2026-2290",
        ("CVE-2026-5241", "GHSA-fgcw-684q-jj6r"),
        "transformers",
        [{"introduced": "0"}, {"last_affected": "5.2.0"}],
        _XSS,
        "transformers LightGlue model loading can execute code from a crafted checkpoint.",
    ),
)


def sample_records() -> list[dict[str, Any]]:
    """The sample advisories as OSV JSON objects."""
    records = []
    for ident, aliases, package, events, vector, summary in _SAMPLES:
        records.append(
            {
                "schema_version": "1.6.0",
                "id": ident,
                "modified": "2026-07-01T00:00:00Z",
                "published": "2025-01-01T00:00:00Z",
                "aliases": list(aliases),
                "summary": summary,
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": package},
                        "ranges": [{"type": "ECOSYSTEM", "events": events}],
                    }
                ],
                "severity": [{"type": "CVSS_V3", "score": vector}],
                "references": [
                    {"type": "ADVISORY", "url": f"https://osv.dev/vulnerability/{ident}"}
                ],
            }
        )
    return records


def write_sample_records(directory: Path) -> Path:
    """Write each sample record to ``directory/<id>.json``; return ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for record in sample_records():
        (directory / f"{record['id']}.json").write_text(json.dumps(record, indent=1), "utf-8")
    return directory
