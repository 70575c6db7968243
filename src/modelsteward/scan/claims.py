"""What a file's name promises: a loader picks its reader by the name, so a file named like a
format that does not parse as that format is malformed, not "some binary"."""

from __future__ import annotations

import mmap
import re

from modelsteward._records import Frozen
from modelsteward.findings import Finding, Severity
from modelsteward.inventory import COMPRESSED_KINDS, Artifact, ArtifactKind

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from modelsteward.scan.interface import ScanOptions
    from modelsteward.scan.scanner import Scanner

    Runner = Callable[[Scanner, Artifact, ScanOptions], list[Finding]]

_K = ArtifactKind
_PICKLED = frozenset({_K.PICKLE, _K.ZIP, _K.TAR})


class Claim(Frozen):
    """The format a name claims."""

    rule: str
    """``scan.<format>.malformed``: the rule a broken file of this format fires."""
    what: str
    """The loader that would open it, for messages."""
    accepted: frozenset[ArtifactKind]
    """Content kinds that are this format (or a container of it)."""
    forced: ArtifactKind | None
    """The kind to hand the file to its format scanner as, when the content disagrees."""


_SUFFIXES: dict[str, Claim] = {
    ".safetensors": Claim(
        "scan.safetensors.malformed", "safetensors", frozenset({_K.SAFETENSORS}), _K.SAFETENSORS
    ),
    ".gguf": Claim("scan.gguf.malformed", "gguf / llama.cpp", frozenset({_K.GGUF}), _K.GGUF),
    ".onnx": Claim("scan.onnx.malformed", "onnx.load", frozenset({_K.ONNX}), _K.ONNX),
    ".npy": Claim("scan.numpy.malformed", "numpy.load", frozenset({_K.NUMPY}), _K.NUMPY),
    ".npz": Claim("scan.zip.malformed", "numpy.load", frozenset({_K.ZIP}), _K.ZIP),
    ".h5": Claim("scan.keras.malformed", "h5py / Keras", frozenset({_K.HDF5}), _K.HDF5),
    ".hdf5": Claim("scan.keras.malformed", "h5py / Keras", frozenset({_K.HDF5}), _K.HDF5),
    ".keras": Claim("scan.keras.malformed", "keras.saving", frozenset({_K.ZIP, _K.HDF5}), _K.ZIP),
    ".pb": Claim(
        "scan.tf.malformed",
        "TensorFlow",
        frozenset({_K.TF_SAVED_MODEL, _K.ONNX, _K.JSON, _K.TEXT}),
        None,
    ),
    ".msgpack": Claim("scan.msgpack.malformed", "flax.serialization", frozenset(), None),
    ".zip": Claim("scan.zip.malformed", "zipfile", frozenset({_K.ZIP}), _K.ZIP),
    ".tar": Claim("scan.archive.malformed", "tarfile", frozenset({_K.TAR}), _K.TAR),
    ".tgz": Claim("scan.archive.malformed", "tarfile", frozenset({_K.GZIP}), _K.GZIP),
    ".gz": Claim("scan.archive.malformed", "gzip", frozenset({_K.GZIP}), _K.GZIP),
    ".bz2": Claim("scan.archive.malformed", "bz2", frozenset({_K.BZ2}), _K.BZ2),
    ".xz": Claim("scan.archive.malformed", "lzma", frozenset({_K.XZ}), _K.XZ),
    ".pt": Claim("scan.pickle.malformed", "torch.load", _PICKLED, None),
    ".pth": Claim("scan.pickle.malformed", "torch.load", _PICKLED, None),
    ".ckpt": Claim("scan.pickle.malformed", "torch.load", _PICKLED, None),
    ".pkl": Claim("scan.pickle.malformed", "pickle.load", _PICKLED | COMPRESSED_KINDS, None),
    ".pickle": Claim("scan.pickle.malformed", "pickle.load", _PICKLED | COMPRESSED_KINDS, None),
    ".joblib": Claim("scan.pickle.malformed", "joblib.load", _PICKLED | COMPRESSED_KINDS, None),
}

TORCH_BIN = re.compile(
    r"^(pytorch_model(-\d+-of-\d+)?|training_args|adapter_model|optimizer|scheduler|scaler)\.bin$"
)
"""``.bin`` names that transformers, PEFT and accelerate open with ``torch.load``. Other
``.bin`` files (CTranslate2, OpenVINO, fastText, GGML) are not pickles."""

_TORCH_BIN = Claim("scan.pickle.malformed", "torch.load", _PICKLED, None)


def claim_of(relpath: str) -> Claim | None:
    """The format ``relpath``'s name claims, or None when the name promises nothing."""
    name = relpath.rsplit("/", 1)[-1].lower()
    if TORCH_BIN.match(name):
        return _TORCH_BIN
    dot = name.rfind(".")
    if dot <= 0:
        return None
    return _SUFFIXES.get(name[dot:])


def broken_claim(
    artifact: Artifact, claim: Claim, options: ScanOptions, run: Runner
) -> list[Finding]:
    """Findings for a file whose content is not the format its name claims.

    The file goes to its format's scanner as if it were that format, so the message says
    what the real loader trips on; when that scanner has nothing to say, a generic
    ``claim.rule`` finding says what the content is instead.
    """
    if claim.forced is not None:
        from modelsteward.scan.engine import SCANNERS

        forced = artifact._replace(kind=claim.forced)
        found = [f for s in SCANNERS if s.handles(forced) for f in run(s, forced, options)]
        if any(f.severity >= Severity.HIGH for f in found):
            return found
    elif _parses_anyway(artifact, claim):
        return []
    return [
        Finding(
            rule_id=claim.rule,
            severity=Severity.HIGH,
            message=f"The name says {claim.what} opens this file, but its content is "
            f"{_describe(artifact.kind)}; the loader would refuse it or read something else.",
            location=artifact.location(),
            evidence=f"content: {artifact.kind.value}",
        )
    ]


def _parses_anyway(artifact: Artifact, claim: Claim) -> bool:
    """Formats judged here by structure: a protobuf of any schema, a msgpack map."""
    if claim.rule == "scan.tf.malformed":
        return _protobuf_file(artifact)
    return claim.rule == "scan.msgpack.malformed" and _msgpack_file(artifact)


def _describe(kind: ArtifactKind) -> str:
    if kind is ArtifactKind.BINARY:
        return "a binary of no known format"
    if kind is ArtifactKind.EMPTY:
        return "empty"
    return f"{kind.value} data"


_PROTOBUF_MAX = 2 * 1024**3
"""protobuf refuses messages over 2 GiB."""


def _protobuf_file(artifact: Artifact) -> bool:
    import mmap

    if artifact.size == 0 or artifact.size > _PROTOBUF_MAX:
        return False
    with open(artifact.path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return protobuf_tiles(m)


def _msgpack_file(artifact: Artifact) -> bool:
    with open(artifact.path, "rb") as fh:
        return msgpack_ok(fh.read(1))


def msgpack_ok(head: bytes) -> bool:
    """True when ``head`` opens a msgpack map (what ``flax.serialization`` writes)."""
    return bool(head) and (0x80 <= head[0] <= 0x8F or head[0] in (0xDE, 0xDF))


def protobuf_tiles(data: bytes | mmap.mmap) -> bool:
    """True when ``data`` is a sequence of well-formed top-level protobuf fields."""
    pos = 0
    end = len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        if key is None or key >> 3 == 0:
            return False
        wire = key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            if value is None:
                return False
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        elif wire == 2:
            length, pos = _varint(data, pos)
            if length is None:
                return False
            pos += length
        else:
            return False
    return pos == end


def _varint(data: bytes | mmap.mmap, pos: int) -> tuple[int | None, int]:
    result = 0
    for shift in range(0, 70, 7):
        if pos >= len(data):
            return None, pos
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
    return None, pos
