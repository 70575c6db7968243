"""The dispatcher: every artifact goes to each scanner that handles it, with limits, and
many files are scanned in parallel worker processes when that pays off."""

from __future__ import annotations

import importlib
import os
import time

from modelsteward.findings import CheckError, Finding, Report, Severity, Skipped
from modelsteward.inventory import (
    COMPRESSED_KINDS,
    UNREADABLE_ARCHIVES,
    Artifact,
    ArtifactKind,
    Inventory,
    walk_model,
)
from modelsteward.scan.budget import ReaderLimit, reader_budget, run_isolated
from modelsteward.scan.interface import ScanOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from modelsteward.scan.scanner import Scanner

_ALWAYS: frozenset[str] = frozenset()


class LazyScanner:
    """A built-in scanner whose module is imported only when an artifact it may handle
    appears, so that scanning pickles never pays for the Jinja2, ONNX or Keras readers.

    ``kinds``, file ``names`` and name ``suffixes`` are a cheap superset of what the real
    scanner handles; the real ``handles`` decides.
    """

    __slots__ = ("_loaded", "isolate", "kinds", "name", "names", "suffixes", "target")

    def __init__(
        self,
        name: str,
        target: str,
        kinds: frozenset[ArtifactKind],
        names: frozenset[str] = _ALWAYS,
        *,
        suffixes: frozenset[str] = _ALWAYS,
        isolate: str = "",
    ) -> None:
        self.isolate = isolate
        """Non-empty: the reader runs in a child process (its work happens in native code no
        timer can stop); the module named here is imported first, so children inherit it."""
        self.name = name
        self.target = target
        self.kinds = kinds
        self.names = names
        self.suffixes = tuple(suffixes)
        self._loaded: Scanner | None = None

    def may_handle(self, artifact: Artifact) -> bool:
        """The prefilter: True when the real scanner could handle ``artifact``."""
        if artifact.kind in self.kinds:
            return True
        if not (self.names or self.suffixes):
            return False
        name = artifact.path.name
        return name in self.names or name.endswith(self.suffixes)

    def load(self) -> Scanner:
        """The real scanner (imported on first use)."""
        if self._loaded is None:
            module, _, cls = self.target.partition(":")
            self._loaded = getattr(importlib.import_module(module), cls)()
        return self._loaded

    def handles(self, artifact: Artifact) -> bool:
        return self.may_handle(artifact) and self.load().handles(artifact)

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        return self.load().scan(artifact, options)


_K = ArtifactKind
SCANNERS: tuple[Scanner, ...] = (
    LazyScanner(
        "pickle",
        "modelsteward.scan.pickle:PickleScanner",
        frozenset({_K.PICKLE, _K.BINARY, _K.TEXT}),
    ),
    LazyScanner(
        "archive",
        "modelsteward.scan.archive:ArchiveScanner",
        frozenset({_K.ZIP, _K.TAR}) | COMPRESSED_KINDS | UNREADABLE_ARCHIVES,
    ),
    LazyScanner("numpy", "modelsteward.scan.numpy:NumpyScanner", frozenset({_K.NUMPY})),
    LazyScanner(
        "safetensors",
        "modelsteward.scan.safetensors:SafetensorsScanner",
        frozenset({_K.SAFETENSORS}),
    ),
    LazyScanner("gguf", "modelsteward.scan.gguf:GgufScanner", frozenset({_K.GGUF})),
    LazyScanner(
        "chat-template",
        "modelsteward.scan.chat_template:ChatTemplateScanner",
        frozenset({_K.JSON, _K.TEXT}),
    ),
    LazyScanner("onnx", "modelsteward.scan.onnx:OnnxScanner", frozenset({_K.ONNX})),
    LazyScanner(
        "keras",
        "modelsteward.scan.keras:KerasScanner",
        frozenset({_K.HDF5}),
        frozenset({"keras_metadata.pb"}),
        suffixes=frozenset({".keras"}),
        isolate="h5py",
    ),
    LazyScanner(
        "tf",
        "modelsteward.scan.tf:TfSavedModelScanner",
        frozenset({_K.TF_SAVED_MODEL}),
        frozenset({"saved_model.pb"}),
    ),
    LazyScanner("hf", "modelsteward.scan.hf_config:HfConfigScanner", frozenset({_K.JSON})),
)
"""The built-in scanners, in the order they run on an artifact."""

_PARALLEL_MIN_BYTES = 64 * 1024 * 1024
_HARD_SLACK_S = 1.0
_HEAVY_KINDS = frozenset(
    {ArtifactKind.PICKLE, ArtifactKind.ZIP, ArtifactKind.TAR, ArtifactKind.GZIP,
     ArtifactKind.BZ2, ArtifactKind.XZ, ArtifactKind.ZLIB, ArtifactKind.LZ4}
)  # fmt: skip


def scan_artifact_findings(artifact: Artifact, options: ScanOptions) -> list[Finding]:
    """Run every scanner that handles ``artifact``; a scanner that crashes is a finding. A
    file whose name claims a format its content does not have is malformed."""
    return _read(artifact, options)[0]


def _read(artifact: Artifact, options: ScanOptions) -> tuple[list[Finding], bool]:
    """The findings, and whether any reader examined the file."""
    out: list[Finding] = []
    read = False
    for scanner in SCANNERS:
        if scanner.handles(artifact):
            read = True
            out.extend(_run(scanner, artifact, options))
    from modelsteward.scan.claims import claim_of

    claim = claim_of(artifact.relpath)
    if claim is not None and artifact.kind not in claim.accepted:
        from modelsteward.scan.claims import broken_claim

        read = True
        if not any(f.rule_id == claim.rule for f in out):
            out.extend(broken_claim(artifact, claim, options, _run))
    return out, read


def _run(scanner: Scanner, artifact: Artifact, options: ScanOptions) -> list[Finding]:
    try:
        return _bounded(scanner, artifact, options)
    except ReaderLimit:
        return [_over_bound(artifact, scanner.name, f"{options.timeout_s:g} s of time")]
    except MemoryError:
        memory = f"{options.max_reader_bytes / 1024**2:.0f} MiB of memory"
        return [_over_bound(artifact, scanner.name, memory)]
    except Exception as exc:  # one bad file never aborts the scan of the rest
        return [
            Finding(
                rule_id="scan.scanner.failed",
                severity=Severity.HIGH,
                message=f"The {scanner.name} scanner stopped on this file "
                f"({type(exc).__name__}: {exc}); it was not verified.",
                location=artifact.location(),
                evidence=type(exc).__name__,
            )
        ]


_UNREAD = {
    ArtifactKind.TEXT: "text; no format scanner reads plain text",
    ArtifactKind.JSON: "JSON data that loaders parse as values; no field of it is run",
    ArtifactKind.PYTHON: "Python source; it runs only if imported (see the custom-code check)",
    ArtifactKind.EMPTY: "empty file",
    ArtifactKind.BINARY: "binary of unknown format; no scanner reads it",
}


def _xgboost_ubjson(artifact: Artifact) -> bool:
    if not artifact.relpath.endswith(".ubj"):
        return False
    with open(artifact.path, "rb") as fh:
        head = fh.read(64)
    return head.startswith(b"{") and b"learner" in head


def _unread(artifact: Artifact, options: ScanOptions) -> Report:
    """The report for a file no reader examined: skipped, and noted when it is a binary."""
    reason = _UNREAD.get(artifact.kind, f"{artifact.kind.value} file that no scanner reads")
    if artifact.kind is ArtifactKind.BINARY and _xgboost_ubjson(artifact):
        reason = "XGBoost UBJSON model: values that XGBoost's native parser reads"
    skipped = (Skipped(artifact.display, reason),)
    if artifact.kind is not ArtifactKind.BINARY or reason is not _UNREAD[ArtifactKind.BINARY]:
        return Report(skipped=skipped)
    unknown = Finding(
        rule_id="scan.file.unknown-format",
        severity=Severity.HIGH if options.strict else Severity.INFO,
        message="The file is a binary of a format no scanner reads; what a loader would do "
        "with it is not known.",
        location=artifact.location(),
        evidence=f"{artifact.size} bytes",
    )
    return Report(findings=(unknown,), skipped=skipped)


def _bounded(scanner: Scanner, artifact: Artifact, options: ScanOptions) -> list[Finding]:
    """One reader on one file under its bounds (see :mod:`modelsteward.scan.budget`).

    The hard time bound comes one second after ``timeout_s``, so readers that check their
    own deadline (the pickle VM) stop first and say where.
    """
    seconds, memory = options.timeout_s + _HARD_SLACK_S, options.max_reader_bytes
    native = getattr(scanner, "isolate", "")
    if native:
        importlib.import_module(native)
        return run_isolated(lambda: list(scanner.scan(artifact, options)), seconds, memory)
    with reader_budget(seconds, memory):
        return list(scanner.scan(artifact, options))


def _over_bound(artifact: Artifact, reader: str, bound: str) -> Finding:
    return Finding(
        rule_id="scan.limit.exceeded",
        severity=Severity.HIGH,
        message=f"The {reader} reader was stopped at its bound of {bound}; the file was "
        "not verified.",
        location=artifact.location(),
        evidence=f"{reader}: {bound}",
    )


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
        found, read = _read(artifact, options)
    except OSError as exc:
        return Report(errors=(CheckError(artifact.display, f"cannot read: {exc}"),))
    return Report.of(found) if read else _unread(artifact, options)


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
    return scan_inventory(
        walk_model(path, hash_files=options.hash_files, download=options.download), options
    )


def scan_paths(
    paths: Iterable[str | Path],
    options: ScanOptions,
    *,
    advance: Callable[[int], None] | None = None,
    listing: list[Artifact] | None = None,
) -> Report:
    """Scan several model directories or files into one sorted report; ``advance(1)`` is
    called after each path (for a progress bar). ``listing`` receives every file walked
    (with its SHA-256 when ``options.hash_files``).

    Raises:
        UsageError: when a path does not exist or cannot be read.
    """
    report = Report()
    for path in paths:
        inventory = walk_model(path, hash_files=options.hash_files, download=options.download)
        if listing is not None:
            listing.extend(inventory.artifacts)
        report = report.merge(scan_inventory(inventory, options))
        if advance is not None:
            advance(1)
    return report.sorted()


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
    import concurrent.futures as cf

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
    bound = f"{options.timeout_s:g} s of time (its worker was killed after {waited:.0f} s)"
    return Report.of([_over_bound(artifact, "scan", bound)])
