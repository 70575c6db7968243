"""Keras: v3 ``.keras`` archives (``config.json``) and legacy HDF5 (``model_config``).

Keras rebuilds a model by importing the ``module`` and ``class_name`` each config entry
names, and a Lambda layer carries marshalled Python bytecode. ``safe_mode`` has been bypassed
repeatedly: Lambda bytecode (CVE-2024-3660), arbitrary modules in ``config.json``
(CVE-2025-1550 / GHSA-48g7-3x6r-xfhp), Keras's own functions that switch safe mode off or
download files (CVE-2025-9906 / GHSA-36fq-jgmw-4r9c, CVE-2025-8747), HDF5 files where safe mode
is ignored (CVE-2025-9905) and TFSMLayer loading an outside SavedModel (CVE-2026-1462).
The config is read as JSON; nothing is imported.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from modelsteward.findings import Finding, Rule, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan._formats import clip, malformed, malformed_rule
from modelsteward.scan._keras_config import ConfigHit, walk_config
from modelsteward.scan._protobuf import ProtoError, fields
from modelsteward.scan.interface import ScanOptions

NAME = "keras"
MAX_CONFIG_BYTES = 64 * 1024 * 1024
KERAS_METADATA = "keras_metadata.pb"
"""Where a Keras model saved as a TensorFlow SavedModel keeps its layer configs."""

RULES: tuple[Rule, ...] = (
    malformed_rule(NAME, "Keras model config"),
    Rule(
        id="scan.keras.lambda-layer",
        summary="A Lambda layer: marshalled bytecode or a function run at load or call time.",
        help="Rebuild the model without Lambda layers, or review and re-save it yourself.",
        severity=Severity.CRITICAL,
    ),
    Rule(
        id="scan.keras.foreign-module",
        summary="A config entry names a module outside Keras; loading imports it.",
        help="Reject the model (CVE-2025-1550); Keras >= 3.9 refuses such modules.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.keras.unsafe-function",
        summary="The config calls a Keras function that disables safe mode, loads or downloads.",
        help="Reject the model; this is a known safe_mode bypass gadget.",
        severity=Severity.CRITICAL,
    ),
    Rule(
        id="scan.keras.external-savedmodel",
        summary="A TFSMLayer loads a TensorFlow SavedModel from a path outside the archive.",
        help="Scan the referenced SavedModel too, or reject the model (CVE-2026-1462).",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.keras.custom-object",
        summary="A registered custom object: loading needs code that is not in the file.",
        help="Review the code that registers it before loading.",
        severity=Severity.MEDIUM,
    ),
)


class KerasScanner:
    """Inspects Keras v3 archives and legacy HDF5 model configs."""

    name = NAME

    def handles(self, artifact: Artifact) -> bool:
        """True for ``*.keras`` zip archives, HDF5 files and SavedModel ``keras_metadata.pb``."""
        if artifact.path.name == KERAS_METADATA:
            return True
        if artifact.kind is ArtifactKind.ZIP:
            return artifact.path.name.endswith(".keras")
        return artifact.kind is ArtifactKind.HDF5

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield findings for the model config; a missing or unreadable config is malformed."""
        if artifact.path.name == KERAS_METADATA:
            loaded = _metadata_configs(artifact)
            member = "metadata"
        elif artifact.kind is ArtifactKind.ZIP:
            loaded = _zip_config(artifact)
            member = "config.json"
        else:
            loaded = _hdf5_config(artifact)
            member = "model_config"
        if isinstance(loaded, Finding):
            yield loaded
            return
        for config in loaded:
            for hit in walk_config(config):
                yield _finding(artifact, member, hit)


def _finding(artifact: Artifact, member: str, hit: ConfigHit) -> Finding:
    return Finding(
        rule_id=f"scan.{NAME}.{hit.rule}",
        severity=hit.severity,
        message=hit.message,
        location=artifact.location(member=f"{member}:{hit.path}" if hit.path else member),
        evidence=clip(hit.evidence),
        refs=hit.refs,
    )


def _zip_config(artifact: Artifact) -> list[Any] | Finding:
    try:
        with zipfile.ZipFile(artifact.path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                return malformed(artifact, NAME, "The archive has no config.json.")
            if info.file_size > MAX_CONFIG_BYTES:
                return malformed(
                    artifact, NAME, f"config.json is {info.file_size} bytes.", member="config.json"
                )
            with archive.open(info) as fh:
                raw = fh.read(MAX_CONFIG_BYTES + 1)
    except (
        zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, RuntimeError,
        zlib.error,
    ) as exc:  # fmt: skip
        # RuntimeError: an encrypted member; zlib.error: a corrupt deflate stream.
        return malformed(artifact, NAME, f"The archive could not be read: {clip(str(exc))}.")
    if len(raw) > MAX_CONFIG_BYTES:
        return malformed(
            artifact, NAME, "config.json inflates past the bound.", member="config.json"
        )
    parsed = _json(raw)
    if parsed is None:
        return malformed(artifact, NAME, "config.json is not valid JSON.", member="config.json")
    return [parsed]


def _hdf5_config(artifact: Artifact) -> list[Any] | Finding:
    import h5py

    out: list[Any] = []
    try:
        with h5py.File(artifact.path, "r") as h5:
            for key in ("model_config", "training_config"):
                if key not in h5.attrs:
                    continue
                raw = h5.attrs[key]
                if isinstance(raw, str):
                    raw = raw.encode("utf-8")
                if not isinstance(raw, bytes) or len(raw) > MAX_CONFIG_BYTES:
                    return malformed(artifact, NAME, f"The {key} attribute is not JSON text.")
                parsed = _json(raw)
                if parsed is None:
                    return malformed(artifact, NAME, f"The {key} attribute is not valid JSON.")
                out.append(parsed)
    except Exception as exc:  # h5py surfaces HDF5 library errors under many types
        return malformed(artifact, NAME, f"The HDF5 file could not be read: {clip(str(exc))}.")
    return out


def _metadata_configs(artifact: Artifact) -> list[Any] | Finding:
    """Layer configs from ``keras_metadata.pb``: JSON strings inside each saved node."""
    if artifact.size > 4 * MAX_CONFIG_BYTES:
        return malformed(artifact, NAME, f"{KERAS_METADATA} has {artifact.size} bytes.")
    try:
        data = artifact.path.read_bytes()
        out = []
        for number, node in fields(data, 0, len(data)):
            if number != 1 or not isinstance(node, tuple):
                continue
            for _, value in fields(data, *node):
                if isinstance(value, tuple) and data[value[0] : value[0] + 1] == b"{":
                    parsed = _json(data[value[0] : value[1]])
                    if parsed is not None:
                        out.append(parsed)
    except OSError as exc:
        return malformed(artifact, NAME, f"The file could not be read: {exc.strerror}.")
    except ProtoError as exc:
        return malformed(artifact, NAME, f"Invalid {KERAS_METADATA}: {exc}.", offset=exc.offset)
    return out


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
