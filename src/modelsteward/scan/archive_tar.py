"""Tar archives (legacy ``torch.save``) and single-stream compressed files (joblib)."""

from __future__ import annotations

import tarfile
from pathlib import Path

from modelsteward.findings import Finding, Severity
from modelsteward.inventory import ArtifactKind
from modelsteward.scan.archive_members import MemberScan, escapes, finding, materialize
from modelsteward.scan.unpack import CodecMissing, decompress_file, stream_chunks


# -- tar -----------------------------------------------------------------------------------
def scan_tar(ctx: MemberScan, path: Path, prefix: str) -> list[Finding]:
    out: list[Finding] = []
    count = 0
    try:
        with tarfile.open(path, mode="r:") as tf:
            while (info := tf.next()) is not None:
                count += 1
                if count > ctx.options.max_archive_members:
                    out.append(
                        finding(
                            ctx,
                            "scan.archive.bomb",
                            Severity.HIGH,
                            "The tar holds more members than the limit.",
                            prefix.rstrip("!") or None,
                            None,
                            str(count),
                        )
                    )
                    break
                out.extend(_tar_member(ctx, tf, info, prefix))
    except (tarfile.TarError, OSError, EOFError) as exc:
        out.append(
            finding(
                ctx,
                "scan.archive.malformed",
                Severity.HIGH,
                f"The tar cannot be read: {exc}.",
                prefix.rstrip("!") or None,
                None,
                str(exc),
            )
        )
    return out


def _tar_member(
    ctx: MemberScan, tf: tarfile.TarFile, info: tarfile.TarInfo, prefix: str
) -> list[Finding]:
    label = prefix + info.name
    out: list[Finding] = []
    if escapes(info.name):
        out.append(
            finding(
                ctx,
                "scan.archive.path-traversal",
                Severity.HIGH,
                f"Member name {info.name!r} leaves the extraction directory.",
                label,
                info.offset,
                info.name,
            )
        )
    if info.issym() or info.islnk() or info.isdev() or info.isfifo():
        target = info.linkname or info.type.decode("latin-1")
        out.append(
            finding(
                ctx,
                "scan.archive.link-member",
                Severity.HIGH,
                f"Member {info.name!r} is a link or device ({target!r}).",
                label,
                info.offset,
                target,
            )
        )
        return out
    if not info.isfile():
        return out
    fh = tf.extractfile(info)
    if fh is None:
        return out
    out.extend(materialize(ctx, stream_chunks(fh, info.size), info.size, label, info.name))
    return out


# -- single-stream compression --------------------------------------------------------------
def scan_compressed(ctx: MemberScan, path: Path, kind: ArtifactKind, prefix: str) -> list[Finding]:
    name = path.name if not prefix else prefix.rstrip("!").rsplit("!", 1)[-1]
    inner = Path(name).stem if Path(name).suffix in (".gz", ".bz2", ".xz", ".z", ".lz4") else name
    label = f"{prefix}<{kind.value}>"
    try:
        return materialize(ctx, decompress_file(path, kind), path.stat().st_size, label, inner)
    except CodecMissing:
        return [
            finding(
                ctx,
                "scan.archive.unsupported",
                Severity.HIGH,
                f"The file is {kind.value}-compressed and the codec is not installed; "
                "its content was not verified.",
                prefix.rstrip("!") or None,
                None,
                kind.value,
            )
        ]
