"""Raw pickle files and pickle streams inside other formats."""

from __future__ import annotations

import mmap
import time
from collections.abc import Iterator
from pathlib import Path

from modelsteward.findings import Finding, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan.interface import ScanOptions
from modelsteward.scan.pickle_sink import FindingSink, Where
from modelsteward.scan.pickle_values import Ref
from modelsteward.scan.pickle_vm import BudgetExceeded, Limits, Machine, PickleFormatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modelsteward.scan.pickle_vm import Buffer

PICKLE_SUFFIXES = frozenset(
    {".pkl", ".pickle", ".pt", ".pth", ".ckpt", ".joblib", ".dill", ".sav", ".p", ".bin"}
)
"""Names that loaders open with an unpickler whatever their content looks like."""

LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_STREAMS = 5
_MAX_NESTED_DEPTH = 4
_SMALL = 1 << 20


def _deadline(options: ScanOptions) -> float:
    return time.monotonic() + options.timeout_s


def scan_stream(
    buf: Buffer,
    start: int,
    end: int,
    where: Where,
    options: ScanOptions,
    *,
    deadline: float | None = None,
    depth: int = 0,
) -> list[Finding]:
    """Interpret the pickle stream(s) in ``buf[start:end]`` and return the findings.

    A legacy ``torch.save`` file holds five pickles in a row; other files may carry more
    pickles after the first, which are read while they parse.
    """
    limits = Limits(max_ops=options.max_pickle_ops, deadline=deadline or _deadline(options))
    sink = FindingSink(where=where, allow=options.allow_globals)
    if end - start > options.max_pickle_bytes:
        sink.add(
            "scan.limit.exceeded",
            Severity.HIGH,
            f"The pickle stream is {end - start} bytes, over the limit of "
            f"{options.max_pickle_bytes}; it was not interpreted.",
            start,
            f"{end - start} bytes",
        )
        return sink.findings
    pos = start
    index = 0
    legacy = False
    while pos < end:
        machine = Machine(buf, pos, end, sink, limits)
        try:
            outcome = machine.run()
        except PickleFormatError as exc:
            if index == 0 or legacy:
                sink.add(
                    "scan.pickle.malformed",
                    Severity.HIGH,
                    f"The pickle stream is malformed ({exc}); a loader would fail part-way, "
                    "after running whatever came before.",
                    exc.offset,
                    str(exc),
                )
            break
        except BudgetExceeded as exc:
            sink.add(
                "scan.limit.exceeded",
                Severity.HIGH,
                f"Interpretation stopped: {exc}; the rest of the stream was not verified.",
                machine.op_at,
                str(exc),
            )
            break
        finally:
            sink.finish()
            if machine.straddle_at >= 0:
                _reread_frames(buf, pos, end, sink, limits, machine.straddle_at)
        if index == 0 and outcome.value == LEGACY_TORCH_MAGIC:
            legacy = True
        index += 1
        pos = outcome.end
        if legacy and index >= _LEGACY_STREAMS:
            break
        if not legacy and not _starts_pickle(buf, pos, end):
            break
    findings = sink.findings
    if depth < _MAX_NESTED_DEPTH:
        for data, offset, loader in sink.nested:
            if data[:2] == b"PK":
                continue  # a nested torch zip: the loader call itself was reported
            inner = Where(
                path=where.path,
                member=where.member,
                origin=-(offset - where.origin),
                context=f"{where.context}In a nested pickle passed to {loader}: ",
            )
            found = scan_stream(data, 0, len(data), inner, options, deadline=limits.deadline)
            findings.extend(found)
    return findings


def _reread_frames(
    buf: Buffer, start: int, end: int, sink: FindingSink, limits: Limits, at: int
) -> None:
    """An argument crossed the end of its FRAME, where loaders part ways: ``pickle.loads``
    reads on, CPython reading a file object without ``peek`` (``torch.load`` of a zip) drops
    the rest of the frame and reads from after it, and the pure-Python unpickler (joblib)
    refuses the stream. The stream is read again the second way; what only that reading
    shows is added."""
    sink.add(
        "scan.pickle.frame-straddle",
        Severity.HIGH,
        "An opcode's argument runs past the end of its FRAME: CPython reads the stream "
        "differently from a file than from memory, and both readings were checked.",
        at,
        f"offset {at - sink.where.origin}",
    )
    other = FindingSink(where=sink.where, allow=sink.allow)
    machine = Machine(buf, start, end, other, limits)
    machine.lossy = True
    try:
        machine.run()
    except (PickleFormatError, BudgetExceeded):
        pass
    finally:
        other.finish()
    seen = {(f.rule_id, f.evidence, f.location) for f in sink.findings}
    sink.findings.extend(
        f for f in other.findings if (f.rule_id, f.evidence, f.location) not in seen
    )
    sink.nested.extend(other.nested)


def _starts_pickle(buf: Buffer, pos: int, end: int) -> bool:
    head = buf[pos : min(end, pos + 2)]
    return len(head) == 2 and head[0] == 0x80 and 0 <= head[1] <= 5


def scan_file(
    path: Path, where: Where, options: ScanOptions, *, deadline: float | None = None
) -> list[Finding]:
    """Map ``path`` and interpret it as pickle streams."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return []
        if size <= _SMALL:
            fh.seek(0)
            data = fh.read()
            return scan_stream(data, 0, len(data), where, options, deadline=deadline)
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return scan_stream(buf, 0, size, where, options, deadline=deadline)


class PickleScanner:
    """Raw pickle files (``.pkl``, legacy ``torch.save``, uncompressed joblib)."""

    name = "pickle"

    def handles(self, artifact: Artifact) -> bool:
        """Pickles by content, and files that loaders unpickle by name."""
        if artifact.kind is ArtifactKind.PICKLE:
            return True
        suffix = Path(artifact.relpath).suffix.lower()
        return artifact.kind in (ArtifactKind.BINARY, ArtifactKind.TEXT) and (
            suffix in PICKLE_SUFFIXES
        )

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Interpret every pickle stream in the file."""
        where = Where(path=artifact.display)
        if artifact.kind is ArtifactKind.PICKLE:
            yield from scan_file(artifact.path, where, options)
        else:
            yield from scan_by_name(artifact.path, artifact.relpath, where, options)


def scan_by_name(
    path: Path, name: str, where: Where, options: ScanOptions, *, deadline: float | None = None
) -> list[Finding]:
    """Interpret a file that a loader would unpickle because of its name.

    ``torch.load`` unpickles any non-zip file, so a protocol-0 payload followed by junk
    (which content sniffing does not call a pickle) still runs. For ``.bin`` files, which
    are often not pickles at all, only what the stream would do before failing is reported.
    """
    found = scan_file(path, where, options, deadline=deadline)
    from modelsteward.scan.claims import TORCH_BIN

    base = Path(name).name.lower()
    if Path(base).suffix != ".bin" or TORCH_BIN.match(base):
        return found
    quiet = {"scan.pickle.malformed", "scan.limit.exceeded"}
    return [f for f in found if f.rule_id not in quiet]


__all__ = ["PickleScanner", "Ref", "scan_by_name", "scan_file", "scan_stream"]
