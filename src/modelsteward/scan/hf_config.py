"""Hugging Face ``auto_map``: the Python files ``trust_remote_code=True`` would import.

``config.json`` and ``tokenizer_config.json`` may map Auto classes to ``module.Class`` in the
repository (or ``other/repo--module.Class`` in another one). Loading with
``trust_remote_code=True`` imports those modules and their relative imports. Needing remote
code is itself a HIGH finding: it is arbitrary code execution by design, so a person must
review the code, and a policy can require that review explicitly. Each named file is parsed
with ``ast`` (never imported) and its process, network, dynamic-import and file-write calls
are reported.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from modelsteward.findings import Finding, Location, Rule, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan._formats import clip, malformed, malformed_rule
from modelsteward.scan._pyast import SEVERITY, CodeHit, CodeRisk, analyse_python, relative_imports
from modelsteward.scan.interface import ScanOptions

NAME = "hf"
CONFIG_NAMES = frozenset(
    {
        "config.json",
        "tokenizer_config.json",
        "processor_config.json",
        "preprocessor_config.json",
        "feature_extractor_config.json",
        "image_processor_config.json",
    }
)
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_PY_BYTES = 4 * 1024 * 1024
MAX_MODULES = 64
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

RULES: tuple[Rule, ...] = (
    malformed_rule(NAME, "Hugging Face config or remote-code file"),
    Rule(
        id="scan.hf.trust-remote-code",
        summary="Loading needs trust_remote_code=True: it imports Python from the repository.",
        help="Review the named files (findings below) and pin the revision before trusting them.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.hf.remote-code-other-repo",
        summary="auto_map points at code in another repository, outside this scan.",
        help="Scan and pin that repository too, or reject the model.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.hf.remote-code-missing",
        summary="A module auto_map names is not in the model directory, so it was not vetted.",
        help="Download the complete repository and scan it again.",
        severity=Severity.HIGH,
    ),
    *(
        Rule(
            id=f"scan.hf.remote-code-{risk.value}",
            summary=f"Remote code {text}.",
            help="Do not enable trust_remote_code for this repository until reviewed.",
            severity=SEVERITY[risk],
        )
        for risk, text in (
            (CodeRisk.EXEC, "runs processes, eval/exec or native code"),
            (CodeRisk.NETWORK, "opens network connections"),
            (CodeRisk.DYNAMIC, "imports modules or deserializes objects dynamically"),
            (CodeRisk.FILE_WRITE, "writes, moves or deletes files"),
        )
    ),
)


class HfConfigScanner:
    """Reports ``auto_map`` remote code and analyses the modules it names."""

    name = NAME

    def handles(self, artifact: Artifact) -> bool:
        """True for Hugging Face config JSON files (by name)."""
        return artifact.kind is ArtifactKind.JSON and artifact.path.name in CONFIG_NAMES

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield the trust-remote-code finding and one finding per risk per module."""
        refs = _auto_map_refs(artifact)
        if isinstance(refs, Finding):
            yield refs
            return
        if not refs:
            return
        yield Finding(
            rule_id="scan.hf.trust-remote-code",
            severity=Severity.HIGH,
            message="auto_map/custom_pipelines require trust_remote_code=True, which imports "
            "repository code.",
            location=artifact.location(member="auto_map"),
            evidence=clip(", ".join(sorted(set(refs)))),
        )
        modules: list[str] = []
        for ref in refs:
            yield from _reference(artifact, ref, modules)
        yield from _analyse_modules(artifact, modules)


def _auto_map_refs(artifact: Artifact) -> list[str] | Finding:
    if artifact.size > MAX_JSON_BYTES:
        return malformed(artifact, NAME, f"The config has {artifact.size} bytes; too large.")
    try:
        config = json.loads(artifact.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return malformed(artifact, NAME, f"The config is not valid JSON: {clip(str(exc))}.")
    if not isinstance(config, dict):
        return malformed(artifact, NAME, "The config is not a JSON object.")
    refs: list[str] = []
    auto_map = config.get("auto_map")
    if auto_map is not None:
        if not isinstance(auto_map, dict):
            return malformed(artifact, NAME, "auto_map is not an object.", member="auto_map")
        for value in auto_map.values():
            items = value if isinstance(value, list) else [value]
            if not all(item is None or isinstance(item, str) for item in items):
                return malformed(artifact, NAME, "auto_map holds a non-string.", member="auto_map")
            refs.extend(item for item in items if isinstance(item, str))
    pipelines = config.get("custom_pipelines")
    if pipelines is not None:
        # transformers imports each pipeline's ``impl`` module under trust_remote_code too.
        if not isinstance(pipelines, dict) or not all(
            isinstance(p, dict) and isinstance(p.get("impl"), str) for p in pipelines.values()
        ):
            return malformed(artifact, NAME, "custom_pipelines entries need an impl string.")
        refs.extend(p["impl"] for p in pipelines.values())
    return refs


def _reference(artifact: Artifact, ref: str, modules: list[str]) -> Iterator[Finding]:
    where = artifact.location(member="auto_map")
    if "--" in ref:
        repo = ref.split("--", 1)[0]
        yield Finding(
            rule_id="scan.hf.remote-code-other-repo",
            severity=Severity.HIGH,
            message=f"auto_map loads code from the repository {repo!r}, not scanned here.",
            location=where,
            evidence=clip(ref),
        )
        return
    parts = ref.split(".")
    if len(parts) != 2 or not all(_MODULE_NAME.match(p) for p in parts):
        yield malformed(
            artifact, NAME, f"auto_map entry {ref!r} is not module.Class.", member="auto_map"
        )
        return
    if not (artifact.path.parent / f"{parts[0]}.py").is_file():
        yield Finding(
            rule_id="scan.hf.remote-code-missing",
            severity=Severity.HIGH,
            message=f"auto_map names {parts[0]}.py, which is not in the model directory.",
            location=where,
            evidence=ref,
        )
    elif parts[0] not in modules:
        modules.append(parts[0])


def _analyse_modules(artifact: Artifact, modules: list[str]) -> Iterator[Finding]:
    root = artifact.path.parent
    queue = list(modules)
    done: set[str] = set()
    while queue and len(done) < MAX_MODULES:
        module = queue.pop(0)
        path = root / f"{module}.py"
        if module in done or not path.is_file():
            continue
        done.add(module)
        display = str(PurePosixPath(artifact.display).with_name(f"{module}.py"))
        tree = _parse(path)
        if isinstance(tree, str):
            yield Finding(
                rule_id=f"scan.{NAME}.malformed",
                severity=Severity.HIGH,
                message=tree,
                location=Location(path=display),
            )
            continue
        yield from _hit_findings(display, list(analyse_python(tree)))
        queue.extend(m for m in relative_imports(tree) if m not in done)


def _parse(path: Path) -> ast.Module | str:
    try:
        if path.stat().st_size > MAX_PY_BYTES:
            return f"{path.name} is larger than {MAX_PY_BYTES} bytes."
        return ast.parse(path.read_bytes(), filename=path.name)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OSError) as exc:
        return f"{path.name} could not be parsed as Python: {clip(str(exc))}."


def _hit_findings(display: str, hits: list[CodeHit]) -> Iterator[Finding]:
    by_risk: dict[CodeRisk, list[CodeHit]] = {}
    for hit in hits:
        by_risk.setdefault(hit.risk, []).append(hit)
    for risk, group in sorted(by_risk.items()):
        calls = [h for h in group if not h.target.startswith("import ")]
        first = (calls or group)[0]
        severity = SEVERITY[risk] if calls else min(SEVERITY[risk], Severity.HIGH)
        when = " as soon as it is imported" if any(h.at_import for h in calls) else ""
        targets = sorted({h.target for h in group})
        yield Finding(
            rule_id=f"scan.{NAME}.remote-code-{risk.value}",
            severity=severity,
            message=f"Remote code uses {first.target}{when} ({len(group)} place(s)).",
            location=Location(path=display, line=first.line),
            evidence=clip(", ".join(targets)),
        )
