"""TensorFlow SavedModel: ops that read or write files or run Python, without TensorFlow.

``saved_model.pb`` is parsed with a small bounds-checked protobuf walker that follows only
SavedModel -> MetaGraphDef -> GraphDef (nodes, function library) -> NodeDef/FunctionDef and
extracts op names. A graph that calls ``ReadFile``/``WriteFile`` or a ``PyFunc`` runs them when
served; checkpoint ops are expected only inside the saver's own graph or traced functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from modelsteward.findings import Finding, Rule, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan._formats import clip, malformed, malformed_rule
from modelsteward.scan._protobuf import ProtoError, fields, text
from modelsteward.scan.interface import ScanOptions

NAME = "tf"
PYTHON_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})
WRITE_OPS = frozenset(
    {"WriteFile", "SaveDataset", "SaveDatasetV2", "DatasetToTFRecord", "CreateSummaryFileWriter"}
)
READ_OPS = frozenset(
    {
        "ReadFile", "MatchingFiles", "ImmutableConst", "TFRecordDataset", "TFRecordDatasetV2",
        "TextLineDataset", "FixedLengthRecordDataset", "FixedLengthRecordDatasetV2", "LoadDataset",
    }
)  # fmt: skip
CHECKPOINT_OPS = frozenset(
    {
        "Save", "SaveV2", "SaveSlices", "Restore", "RestoreV2", "RestoreSlice",
        "MergeV2Checkpoints", "ShardedFilename", "ShardedFilespec",
    }
)  # fmt: skip
_SAVER_FUNCTION_MARKS = ("_traced_save", "_traced_restore")
MAX_PB_BYTES = 2**31

RULES: tuple[Rule, ...] = (
    malformed_rule(NAME, "SavedModel protobuf"),
    Rule(
        id="scan.tf.python-op",
        summary="The graph calls PyFunc/EagerPyFunc: Python code run by the serving process.",
        help="Reject the model; Python ops cannot be reviewed from the graph.",
        severity=Severity.CRITICAL,
    ),
    Rule(
        id="scan.tf.file-io-op",
        summary="The graph reads (HIGH) or writes (CRITICAL) files through TensorFlow ops.",
        help="A served model has no reason to touch the file system; reject it.",
        severity=Severity.HIGH,
    ),
    Rule(
        id="scan.tf.checkpoint-io-op",
        summary="Save/Restore ops outside the saver graph: file I/O disguised as checkpoints.",
        help="Review where the op's filename comes from before serving the model.",
        severity=Severity.HIGH,
    ),
)


@dataclass(frozen=True, slots=True)
class _Op:
    op: str
    node: str
    scope: str
    """The function name, or ``""`` for the top-level graph."""


class TfSavedModelScanner:
    """Lists the ops of a SavedModel and flags file, Python and stray checkpoint ops."""

    name = NAME

    def handles(self, artifact: Artifact) -> bool:
        """True for files sniffed as SavedModel protobufs, and any ``saved_model.pb``."""
        return artifact.kind is ArtifactKind.TF_SAVED_MODEL or (
            artifact.path.name == "saved_model.pb" and artifact.kind is not ArtifactKind.ONNX
        )

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield one finding per (rule, op) with the number of nodes that use it."""
        if artifact.size > min(MAX_PB_BYTES, options.max_file_bytes):
            yield malformed(artifact, NAME, "The protobuf is larger than protobuf allows.")
            return
        try:
            data = artifact.path.read_bytes()
            ops, saver_scope = _saved_model_ops(data)
        except OSError as exc:
            yield malformed(artifact, NAME, f"The file could not be read: {exc.strerror}.")
            return
        except ProtoError as exc:
            yield malformed(
                artifact, NAME, f"Invalid SavedModel protobuf: {exc}.", offset=exc.offset
            )
            return
        yield from _judge(artifact, ops, saver_scope)


def saved_model_ops(data: bytes) -> list[str]:
    """The op names a SavedModel uses, in order of appearance.

    Raises:
        ProtoError: when ``data`` is not a well-formed SavedModel protobuf.
    """
    return [op.op for op in _saved_model_ops(data)[0]]


def _saved_model_ops(data: bytes) -> tuple[list[_Op], list[str]]:
    ops: list[_Op] = []
    scopes: list[str] = []
    for number, value in fields(data, 0, len(data)):
        if number == 2 and isinstance(value, tuple):
            _meta_graph(data, value, ops, scopes)
    return ops, scopes


def _meta_graph(data: bytes, span: tuple[int, int], ops: list[_Op], scopes: list[str]) -> None:
    for number, value in fields(data, *span):
        if not isinstance(value, tuple):
            continue
        if number == 2:
            _graph_def(data, value, ops)
        elif number == 3:
            for sub, sv in fields(data, *value):
                if sub == 1 and isinstance(sv, tuple):
                    tensor = text(data, sv)
                    if "/" in tensor:
                        scopes.append(tensor.split("/", 1)[0] + "/")


def _graph_def(data: bytes, span: tuple[int, int], ops: list[_Op]) -> None:
    for number, value in fields(data, *span):
        if number == 1 and isinstance(value, tuple):
            ops.append(_node_def(data, value, ""))
        elif number == 2 and isinstance(value, tuple):
            for sub, fv in fields(data, *value):
                if sub == 1 and isinstance(fv, tuple):
                    _function_def(data, fv, ops)


def _function_def(data: bytes, span: tuple[int, int], ops: list[_Op]) -> None:
    name = ""
    nodes: list[tuple[int, int]] = []
    for number, value in fields(data, *span):
        if number == 1 and isinstance(value, tuple):
            for sub, sv in fields(data, *value):
                if sub == 1 and isinstance(sv, tuple):
                    name = text(data, sv)
        elif number == 3 and isinstance(value, tuple):
            nodes.append(value)
    ops.extend(_node_def(data, node, name or "<unnamed function>") for node in nodes)


def _node_def(data: bytes, span: tuple[int, int], scope: str) -> _Op:
    name = op = ""
    for number, value in fields(data, *span):
        if number == 1 and isinstance(value, tuple):
            name = text(data, value)
        elif number == 2 and isinstance(value, tuple):
            op = text(data, value)
    return _Op(op=op, node=name, scope=scope)


def _judge(artifact: Artifact, ops: list[_Op], saver_scopes: list[str]) -> Iterator[Finding]:
    hits: dict[tuple[str, str], list[_Op]] = {}
    for op in ops:
        rule = _rule_for(op, saver_scopes)
        if rule is not None:
            hits.setdefault((rule, op.op), []).append(op)
    for (rule, name), where in sorted(hits.items()):
        first = where[0]
        severity = Severity.CRITICAL if rule == "python-op" or name in WRITE_OPS else Severity.HIGH
        place = f"function {first.scope}" if first.scope else "the graph"
        yield Finding(
            rule_id=f"scan.{NAME}.{rule}",
            severity=severity,
            message=f"{len(where)} node(s) run the {name} op (first: {first.node!r} in {place}).",
            location=artifact.location(member=first.scope or None),
            evidence=clip(f"{name} {first.node}"),
        )


def _rule_for(op: _Op, saver_scopes: list[str]) -> str | None:
    if op.op in PYTHON_OPS:
        return "python-op"
    if op.op in WRITE_OPS or op.op in READ_OPS:
        return "file-io-op"
    if op.op in CHECKPOINT_OPS:
        in_saver = any(op.node.startswith(s) for s in saver_scopes) and not op.scope
        traced = any(mark in op.scope for mark in _SAVER_FUNCTION_MARKS)
        return None if in_saver or traced else "checkpoint-io-op"
    return None
