"""ONNX: external data that reaches outside the model directory, and custom operator domains.

A tensor stored as external data names a file by ``location``; loaders join it to the model
directory, so ``../../etc/passwd``, an absolute path or a symlink that leaves the directory
turns a model load into a file read (CVE-2022-25882, CVE-2024-27318 / GHSA-whh8-fjgc-qp73,
CVE-2026-27489). Unexpected keys in the record were fed to ``setattr`` (CVE-2026-34445).
The model is parsed with the ``onnx`` package without loading any external data.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterator
from pathlib import Path, PureWindowsPath
from typing import Any

from modelsteward.findings import Finding, Rule, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan._formats import clip, malformed, malformed_rule
from modelsteward.scan.interface import ScanOptions

NAME = "onnx"
STANDARD_DOMAINS = frozenset(
    {
        "",
        "ai.onnx",
        "ai.onnx.ml",
        "ai.onnx.training",
        "ai.onnx.preview.training",
        "com.microsoft",
        "com.microsoft.nchwc",
        "com.microsoft.experimental",
        "com.ms.internal.nhwc",
    }
)
"""The ONNX standard domains and ONNX Runtime's built-in contrib domains."""
EXTERNAL_KEYS = frozenset({"location", "offset", "length", "checksum", "basepath"})
_ESCAPE_REFS = ("CVE-2022-25882", "CVE-2024-27318", "GHSA-whh8-fjgc-qp73", "CVE-2026-27489")
_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL

RULES: tuple[Rule, ...] = (
    malformed_rule(NAME, "ONNX model"),
    Rule(
        id="scan.onnx.external-data-escape",
        summary="External data location is absolute or leaves the model directory.",
        help="Loading would read (or saving would overwrite) an arbitrary file; reject it.",
        severity=Severity.CRITICAL,
    ),
    Rule(
        id="scan.onnx.external-data-key",
        summary="External data record carries keys other than location/offset/length/checksum.",
        help="Older onnx versions set them as attributes (CVE-2026-34445); reject the model.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.onnx.external-data-missing",
        summary="External data file named by the model is not beside it.",
        help="Scan the whole model directory, or fetch the missing file.",
        severity=Severity.LOW,
    ),
    Rule(
        id="scan.onnx.custom-op-domain",
        summary="Nodes use an operator domain outside ONNX and ONNX Runtime's built-ins.",
        help="Custom operators run native code from a library the host must register; review it.",
        severity=Severity.MEDIUM,
    ),
)


class OnnxScanner:
    """Checks ONNX external data locations and operator domains."""

    name = NAME

    def handles(self, artifact: Artifact) -> bool:
        """True for files sniffed as ONNX."""
        return artifact.kind is ArtifactKind.ONNX

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield external-data and custom-domain findings; never loads external data."""
        import onnx

        if artifact.size > min(options.max_file_bytes, 2**31):
            yield malformed(artifact, NAME, "The model is larger than a protobuf may be.")
            return
        try:
            model = onnx.load(str(artifact.path), load_external_data=False)
        except Exception as exc:  # protobuf's DecodeError, onnx's own errors, OSError
            yield malformed(artifact, NAME, f"The model could not be parsed: {clip(str(exc))}.")
            return
        graphs = list(_graphs(model.graph))
        for function in model.functions:
            graphs.extend(_node_graphs(function.node))
        root = artifact.path.parent
        for tensor in _tensors(graphs):
            if tensor.data_location == _EXTERNAL:
                yield from _external(artifact, root, tensor)
        local = {f.domain for f in model.functions}
        yield from _domains(artifact, graphs, local)


def _graphs(graph: Any) -> Iterator[Any]:
    yield graph
    yield from _node_graphs(graph.node)


def _node_graphs(node_list: Any) -> Iterator[Any]:
    for node in node_list:
        for attr in node.attribute:
            if attr.HasField("g"):
                yield from _graphs(attr.g)
            for sub in attr.graphs:
                yield from _graphs(sub)


def _tensors(graphs: list[Any]) -> Iterator[Any]:
    for graph in graphs:
        yield from graph.initializer
        for sparse in graph.sparse_initializer:
            yield sparse.values
            yield sparse.indices
        for node in graph.node:
            for attr in node.attribute:
                if attr.HasField("t"):
                    yield attr.t
                yield from attr.tensors


def _external(artifact: Artifact, root: Path, tensor: Any) -> Iterator[Finding]:
    entries = {e.key: e.value for e in tensor.external_data}
    where = artifact.location(member=f"tensor {tensor.name}")
    extra = sorted(set(entries) - EXTERNAL_KEYS)
    if extra:
        yield Finding(
            rule_id="scan.onnx.external-data-key",
            severity=Severity.HIGH,
            message=f"Tensor {tensor.name!r} external data has unexpected keys.",
            location=where,
            evidence=clip(", ".join(extra)),
            refs=("CVE-2026-34445",),
        )
    location = entries.get("location", "")
    escape = _escape_reason(root, location)
    if escape is not None:
        yield Finding(
            rule_id="scan.onnx.external-data-escape",
            severity=Severity.CRITICAL,
            message=f"Tensor {tensor.name!r} reads external data from {escape}.",
            location=where,
            evidence=clip(location),
            refs=_ESCAPE_REFS,
        )
        return
    yield from _external_bounds(artifact, root, tensor.name, entries)


def _escape_reason(root: Path, location: str) -> str | None:
    if not location:
        return "an empty location"
    if "\x00" in location:
        return "a location with a NUL byte"
    unified = location.replace("\\", "/")
    if unified.startswith("/") or PureWindowsPath(location).drive or PureWindowsPath(location).root:
        return "an absolute path"
    normal = posixpath.normpath(unified)
    if normal == ".." or normal.startswith("../"):
        return "outside the model directory"
    try:
        inside = (root / normal).resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return "a symlink loop"
    return None if inside else "a symlink that leaves the model directory"


def _external_bounds(
    artifact: Artifact, root: Path, name: str, entries: dict[str, str]
) -> Iterator[Finding]:
    target = root / posixpath.normpath(entries["location"].replace("\\", "/"))
    try:
        offset = int(entries.get("offset", "0"))
        length = int(entries["length"]) if "length" in entries else None
    except ValueError:
        yield malformed(artifact, NAME, f"Tensor {name!r} external offset/length is not a number.")
        return
    if offset < 0 or (length is not None and length < 0):
        yield malformed(artifact, NAME, f"Tensor {name!r} external offset/length is negative.")
        return
    try:
        size = target.stat().st_size if target.is_file() else None
    except OSError:
        size = None
    if size is None:
        yield Finding(
            rule_id="scan.onnx.external-data-missing",
            severity=Severity.LOW,
            message=f"Tensor {name!r} names external data that is not present.",
            location=artifact.location(member=f"tensor {name}"),
            evidence=clip(entries["location"]),
        )
        return
    if offset + (length or 0) > size:
        yield malformed(
            artifact,
            NAME,
            f"Tensor {name!r} external range {offset}+{length} exceeds the {size}-byte file.",
        )


def _domains(artifact: Artifact, graphs: list[Any], local: set[str]) -> Iterator[Finding]:
    counts: Counter[tuple[str, str]] = Counter()
    for graph in graphs:
        for node in graph.node:
            if node.domain not in STANDARD_DOMAINS and node.domain not in local:
                counts[(node.domain, node.op_type)] += 1
    for (domain, op_type), count in sorted(counts.items()):
        yield Finding(
            rule_id="scan.onnx.custom-op-domain",
            severity=Severity.MEDIUM,
            message=f"{count} node(s) use the custom operator {domain}::{op_type}.",
            location=artifact.location(),
            evidence=clip(f"{domain}::{op_type}"),
        )
