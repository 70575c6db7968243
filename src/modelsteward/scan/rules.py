"""The catalog of every rule the scanner can fire: ids are stable, policies refer to them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from modelsteward.findings import Rule, Severity
from modelsteward.scan import chat_template as _chat_template
from modelsteward.scan import gguf as _gguf
from modelsteward.scan import hf_config as _hf_config
from modelsteward.scan import keras as _keras
from modelsteward.scan import onnx as _onnx
from modelsteward.scan import safetensors as _safetensors
from modelsteward.scan import tf as _tf

_PARTNER_RULES: tuple[tuple[Rule, ...], ...] = (
    _safetensors.RULES,
    _gguf.RULES,
    _chat_template.RULES,
    _onnx.RULES,
    _keras.RULES,
    _tf.RULES,
    _hf_config.RULES,
)

_C, _H, _M = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM

_CORE: tuple[tuple[str, Severity, str, str], ...] = (
    ("scan.pickle.unsafe-global", _C,
     "A pickle imports or calls a known-dangerous callable (process execution, eval/exec, "
     "import machinery, file or network I/O, nested unpicklers, debuggers).",
     "Do not load this file. Obtain the weights as safetensors from a trusted source."),
    ("scan.pickle.unverified-global", _H,
     "A pickle imports or calls a callable that is on no allowlist tier.",
     "Review the callable; if the organisation trusts it, add it to scan.allow_globals."),
    ("scan.pickle.dynamic-global", _C,
     "STACK_GLOBAL takes a module or name computed at load time.",
     "Do not load this file: the imported callable cannot be known in advance."),
    ("scan.pickle.indirect-call", _C,
     "A pickle calls the result of another call (getattr chains and similar indirection).",
     "Do not load this file."),
    ("scan.pickle.unsafe-build", _C,
     "BUILD or SETITEM(S)/APPEND(S) mutates a global itself, an object of unknown type, "
     "or sets special (dunder) attributes.",
     "Do not load this file."),
    ("scan.pickle.extension-code", _H,
     "A pickle names a global by copyreg extension code (EXT1/EXT2/EXT4).",
     "Review the loading process's copyreg registry; normal checkpoints never use it."),
    ("scan.pickle.malformed", _H,
     "A pickle stream is truncated or invalid; a loader would fail part-way.",
     "Re-download the file; a file that cannot be verified is not a pass."),
    ("scan.pickle.frame-straddle", _H,
     "An opcode's argument runs past the end of its FRAME, which CPython reads one way from "
     "memory and another from a file (a way to hide opcodes from scanners).",
     "Do not load this file: no pickler writes such a stream."),
    ("scan.pickle.resource-exhaustion", _H,
     "Loading the pickle would make the unpickler allocate far more memory than the file "
     "holds (a huge memo index, a length declared past the end, a giant container call).",
     "Do not load this file: it would take the loading process down."),
    ("scan.limit.exceeded", _H,
     "A size, opcode or time limit stopped the analysis before the end of the file.",
     "Raise the limit in [scan] settings if the file is legitimate, then scan again."),
    ("scan.zip.malformed", _H,
     "A zip archive's end record or central directory cannot be read.",
     "Re-download the file."),
    ("scan.zip.inconsistent-header", _H,
     "A zip member's local header disagrees with the central directory (name, method, "
     "sizes, flags): tools that trust one or the other see different files.",
     "Do not load this file; torch trusts the central directory, zipfile the local header."),
    ("scan.zip.duplicate-member", _H,
     "Two zip members have the same name; loaders disagree about which one wins.",
     "Do not load this file."),
    ("scan.zip.overlapping-members", _H,
     "Zip members share bytes (a sign of a zip bomb or of a hidden member).",
     "Do not load this file."),
    ("scan.zip.unreferenced-data", _M,
     "The zip holds bytes before its first member or between members that no central "
     "directory entry points at (possibly a hidden payload).",
     "Review the file."),
    ("scan.archive.bomb", _H,
     "An archive member exceeds the compression-ratio, unpacked-size or member-count "
     "limit.",
     "Do not unpack this file; raise the limits only for a file you trust."),
    ("scan.archive.path-traversal", _H,
     "An archive member's name is absolute or climbs out of the extraction directory.",
     "Do not extract this file."),
    ("scan.archive.link-member", _H,
     "A tar archive holds a symlink, hard link or device member.",
     "Do not extract this file."),
    ("scan.archive.malformed", _H,
     "A tar or compressed stream cannot be read to its end.",
     "Re-download the file."),
    ("scan.archive.nesting", _H,
     "Archives are nested deeper than the scanner follows.",
     "Unpack the archive by hand and scan the parts."),
    ("scan.archive.unsupported", _H,
     "An archive or compressed stream the scanner does not unpack (7z, rar, zstd, or lz4 "
     "without the lz4 package); its content was not verified.",
     "Unpack it with a trusted tool and scan the files, or install the codec's package."),
    ("scan.torch.torchscript", _M,
     "A TorchScript archive carries code that torch.jit.load compiles and runs.",
     "Load it only from a trusted source; prefer a plain state dict in safetensors."),
    ("scan.numpy.object-array", _M,
     "A .npy array has an object dtype: loading it needs allow_pickle=True and runs a "
     "pickle (which is scanned).",
     "Store plain numeric arrays, or load with allow_pickle=False."),
    ("scan.numpy.malformed", _H,
     "A .npy header cannot be parsed.",
     "Re-download the file."),
    ("scan.file.unknown-format", Severity.INFO,
     "A binary file is in no format a scanner reads; it is listed as skipped.",
     "Check what the file is; with --strict (scan.strict) it fails the scan."),
    ("scan.msgpack.malformed", _H,
     "A .msgpack file (Flax weights) does not open with a msgpack map.",
     "Re-download the file."),
    ("scan.file.too-large", _M,
     "A file is larger than scan.max_file_bytes and was not examined.",
     "Raise the limit if the file is legitimate."),
    ("scan.scanner.failed", _H,
     "A format scanner stopped with an internal error on this file; it was not verified.",
     "Report the file to the maintainers; treat it as unverified."),
)  # fmt: skip


def _catalog() -> dict[str, Rule]:
    out = {
        rule_id: Rule(id=rule_id, summary=summary, help=help_, severity=severity)
        for rule_id, severity, summary, help_ in _CORE
    }
    return out


def _partner_rules() -> dict[str, Rule]:
    """The rules each format scanner module declares as its ``RULES`` tuple."""
    out: dict[str, Rule] = {}
    for declared in _PARTNER_RULES:
        out.update({rule.id: rule for rule in declared})
    return out


RULES: Mapping[str, Rule] = MappingProxyType({**_partner_rules(), **_catalog()})
"""Every scanner rule id with its summary, help and usual severity."""
