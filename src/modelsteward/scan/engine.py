"""The dispatcher: every artifact goes to each scanner that handles it, with limits, and
many files are scanned in parallel worker processes when that pays off."""

from __future__ import annotations

import concurrent.futures as cf
import os
import time
from collections.abc import Iterable
from pathlib import Path

from modelsteward.findings import CheckError, Finding, Report, Severity, Skipped
from modelsteward.inventory import Artifact, ArtifactKind, Inventory, walk_model
from modelsteward.scan.archive import ArchiveScanner
from modelsteward.scan.chat_template import ChatTemplateScanner
from modelsteward.scan.gguf import GgufScanner
from modelsteward.scan.hf_config import HfConfigScanner
from modelsteward.scan.interface import Scanner, ScanOptions
from modelsteward.scan.keras import KerasScanner
from modelsteward.scan.numpy import NumpyScanner
from modelsteward.scan.onnx import OnnxScanner
from modelsteward.scan.pickle import PickleScanner
from modelsteward.scan.safetensors import SafetensorsScanner
from modelsteward.scan.tf import TfSavedModelScanner

SCANNERS: tuple[Scanner, ...] = (
    PickleScanner(),
    ArchiveScanner(),
    NumpyScanner(),
    SafetensorsScanner(),
    GgufScanner(),
    ChatTemplateScanner(),
    OnnxScanner(),
    KerasScanner(),
    TfSavedModelScanner(),
    HfConfigScanner(),
)
"""The built-in scanners, in the order they run on an artifact."""

_PARALLEL_MIN_BYTES = 64 * 1024 * 1024
_HEAVY_KINDS = frozenset(
    {ArtifactKind.PICKLE, ArtifactKind.ZIP, ArtifactKind.TAR, ArtifactKind.GZIP,
     ArtifactKind.BZ2, ArtifactKind.XZ, ArtifactKind.ZLIB, ArtifactKind.LZ4}
)  # fmt: skip


def scan_artifact_findings(artifact: Artifact, options: ScanOptions) -> list[Finding]:
    """Run every scanner that handles ``artifact``; a scanner that crashes is a finding."""
    out: list[Finding] = []
    for scanner in SCANNERS:
        if not scanner.handles(artifact):
            continue
        try:
            out.extend(scanner.scan(artifact, options))
        except Exception as exc:  # one bad file never aborts the scan of the rest
            out.append(
                Finding(
                    rule_id="scan.scanner.failed",
                    severity=Severity.HIGH,
                    message=f"The {scanner.name} scanner stopped on this file "
                    f"({type(exc).__name__}: {exc}); it was not verified.",
                    location=artifact.location(),
                    evidence=type(exc).__name__,
                )
            )
    return out


def scan_artifact(artifact: Artifact, options: ScanOptions) -> Report:
    """The report for one artifact (skipped when larger than ``max_file_bytes``)."""
    if artifact.size > options.max_file_bytes:
        return Report(
            findings=(
                Finding(
                    rule_id="scan.file.too-large",
                    severity=Severity.MEDIUM,
                    message=f"The file is {artifact.size} bytes, over max_file_bytes "
                    f"({options.max_file_bytes}); it was not examined.",
                    location=artifact.location(),
                    evidence=str(artifact.size),
                ),
            ),
            skipped=(Skipped(artifact.display, "larger than max_file_bytes"),),
        )
    try:
        return Report.of(scan_artifact_findings(artifact, options))
    except OSError as exc:
        return Report(errors=(CheckError(artifact.display, f"cannot read: {exc}"),))


def scan_inventory(
    inventory: Inventory, options: ScanOptions, *, workers: int | None = None
) -> Report:
    """Scan every artifact of ``inventory``; the walk's own findings come first.

    ``workers`` caps the process pool (default: the CPU count); small jobs run in-process.
    """
    reports = _scan_all(inventory.artifacts, options, workers)
    return inventory.report.merge(*reports)


def scan_path(path: str | Path, options: ScanOptions) -> Report:
    """Walk ``path`` (a model directory or file) and scan it.

    Raises:
        UsageError: when ``path`` does not exist or cannot be read.
    """
    return scan_inventory(walk_model(path, hash_files=options.hash_files), options)


def _scan_all(
    artifacts: Iterable[Artifact], options: ScanOptions, workers: int | None
) -> list[Report]:
    items = list(artifacts)
    heavy = [a for a in items if a.kind in _HEAVY_KINDS]
    count = min(workers or os.cpu_count() or 1, len(heavy))
    # Worker processes pay off only when there are many bytes to interpret; for small files
    # their start-up and messaging cost more than the scan itself.
    if count < 2 or sum(a.size for a in heavy) < _PARALLEL_MIN_BYTES:
        return [scan_artifact(a, options) for a in items]
    return _pooled(items, options, count)


def _scan_batch(batch: list[Artifact], options: ScanOptions) -> list[Report]:
    return [scan_artifact(a, options) for a in batch]


def _pooled(items: list[Artifact], options: ScanOptions, workers: int) -> list[Report]:
    """Scan in worker processes; a batch that outlives its time budget is killed."""
    batches: list[list[int]] = [[] for _ in range(min(len(items), workers * 4))]
    by_size = sorted(range(len(items)), key=lambda i: -items[i].size)
    for n, index in enumerate(by_size):
        batches[n % len(batches)].append(index)
    results: dict[int, Report] = {}
    pool = cf.ProcessPoolExecutor(max_workers=workers)
    hung = False
    try:
        futures = [pool.submit(_scan_batch, [items[i] for i in b], options) for b in batches]
        for batch, future in zip(batches, futures, strict=True):
            started = time.monotonic()
            try:
                reports = future.result(timeout=options.timeout_s * len(batch) + 5.0)
            except cf.TimeoutError:
                hung = True
                waited = time.monotonic() - started
                reports = [_timed_out(items[i], options, waited) for i in batch]
            except cf.process.BrokenProcessPool:
                reports = [scan_artifact(items[i], options) for i in batch]
            results.update(zip(batch, reports, strict=True))
    finally:
        if hung:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=not hung, cancel_futures=True)
    return [results[i] for i in range(len(items))]


def _timed_out(artifact: Artifact, options: ScanOptions, waited: float) -> Report:
    return Report.of(
        [
            Finding(
                rule_id="scan.limit.exceeded",
                severity=Severity.HIGH,
                message=f"Scanning stopped after {waited:.0f} s (timeout {options.timeout_s:g} s);"
                " the file was not verified.",
                location=artifact.location(),
                evidence=f"timeout {options.timeout_s:g} s",
            )
        ]
    )
