"""Chat templates: Jinja2 source shipped in ``tokenizer_config.json`` and in GGUF metadata.

A loader that renders the template outside a sandbox runs whatever the template reaches
through Python attributes (CVE-2024-34359, llama-cpp-python before 0.2.72, GHSA-56xg-wfcc-g829;
LiteLLM GHSA-46cm-pfwv-cgf8). ``analyse_template`` parses the template and flags attribute
paths that only serve an escape, then renders it in an immutable, size- and time-bounded
sandbox with probe messages: a template the sandbox has to stop is hostile.
"""

from __future__ import annotations

import enum
import json
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError

from modelsteward.findings import Finding, Location, Rule, Severity
from modelsteward.inventory import Artifact, ArtifactKind
from modelsteward.scan._formats import clip, malformed
from modelsteward.scan._template_probe import ProbeEnvironment, TemplateLimits, probe_render
from modelsteward.scan.interface import ScanOptions

NAME = "chat-template"
REFS = ("CVE-2024-34359", "GHSA-56xg-wfcc-g829")
_MAX_JSON_BYTES = 64 * 1024 * 1024
_EXTRA_TEMPLATES_DIR = "additional_chat_templates/"
"""Where transformers saves named templates as ``<name>.jinja`` files."""
_CONFIG_NAMES = frozenset({"tokenizer_config.json", "chat_template.json", "processor_config.json"})

ESCAPE_ATTRS = frozenset(
    {
        "mro", "func_globals", "func_code", "f_globals", "f_locals", "f_builtins", "f_back",
        "f_code", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
        "tb_frame", "tb_next", "im_func", "im_self", "environment", "popen", "import_module",
        "load_module", "subprocess", "check_output", "getoutput",
    }
)  # fmt: skip
"""Attribute names (besides any starting with ``_``) that only an escape chain uses."""

GADGET_ROOTS = frozenset(
    {"cycler", "joiner", "lipsum", "self", "config", "request", "url_for", "get_flashed_messages"}
)
"""Globals that classic Jinja SSTI chains start from; no chat template needs them.
``namespace`` is left out: most current templates use it for loop state."""

PYTHON_DUNDERS = frozenset(
    name
    for kind in (object, type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType,
                 types.MethodType, types.CodeType, types.FrameType, dict, str, list, tuple, int)
    for name in dir(kind)
    if name.startswith("__") and name.endswith("__")
) | {"__globals__", "__builtins__", "__import__", "__subclasses__", "__mro__", "__base__",
     "__bases__", "__code__", "__closure__", "__loader__", "__spec__", "__file__", "__self__",
     "__func__", "__wrapped__", "__defaults__", "__kwdefaults__"}  # fmt: skip
"""Dunder names that reach Python internals when read from a template."""

_ATTRIBUTE_FILTERS = frozenset(
    {"attr", "map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique", "min", "max"}
)
_DUNDER = re.compile(r"__[A-Za-z_]+__")
_FORMAT_FIELD = re.compile(r"\{[^{}]*[.\[][^{}]*\}")


class TemplateIssueKind(enum.StrEnum):
    """What kind of problem a template has; the rule id suffix."""

    ESCAPE = "escape"
    SUSPICIOUS = "suspicious"
    RESOURCE_LIMIT = "resource-limit"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    """One problem in a template, independent of where the template was stored."""

    kind: TemplateIssueKind
    severity: Severity
    message: str
    evidence: str = ""
    line: int | None = None


def template_rules(prefix: str, where: str) -> tuple[Rule, ...]:
    """The rules for templates found in ``where``; ids are ``<prefix><kind>``."""
    texts = {
        TemplateIssueKind.ESCAPE: (
            Severity.CRITICAL,
            "Template reaches Python internals (dunder attributes, format-string or attr "
            "tricks) or the sandbox blocked it while rendering.",
        ),
        TemplateIssueKind.SUSPICIOUS: (
            Severity.MEDIUM,
            "Template uses SSTI gadget globals, dynamic attribute names or private attributes.",
        ),
        TemplateIssueKind.RESOURCE_LIMIT: (
            Severity.HIGH,
            "Rendering the template exceeded the time or size bound (denial of service).",
        ),
        TemplateIssueKind.MALFORMED: (
            Severity.HIGH,
            "The template is not valid Jinja2.",
        ),
    }
    return tuple(
        Rule(
            id=f"{prefix}{kind.value}",
            summary=f"{where}: {summary}",
            help="Replace the chat template with a reviewed one before serving the model.",
            severity=severity,
        )
        for kind, (severity, summary) in texts.items()
    )


RULES: tuple[Rule, ...] = (*template_rules(f"scan.{NAME}.", "tokenizer_config.json chat template"),)


def analyse_template(source: str, limits: TemplateLimits | None = None) -> list[TemplateIssue]:
    """Parse, inspect and probe-render one Jinja2 chat template.

    Never raises for template content: syntax errors, sandbox blocks and exhausted bounds are
    returned as issues.
    """
    limits = limits or TemplateLimits()
    if len(source) > limits.max_source_chars:
        return [
            TemplateIssue(
                TemplateIssueKind.RESOURCE_LIMIT,
                Severity.HIGH,
                f"The template has {len(source)} characters (bound {limits.max_source_chars}).",
            )
        ]
    env = ProbeEnvironment(limits)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [
            TemplateIssue(
                TemplateIssueKind.MALFORMED,
                Severity.HIGH,
                f"The template is not valid Jinja2: {exc.message}.",
                line=exc.lineno,
            )
        ]
    except (RecursionError, MemoryError):
        return [
            TemplateIssue(TemplateIssueKind.MALFORMED, Severity.HIGH, "Template nests too deep.")
        ]
    try:
        issues = _dedupe(_static_issues(tree, env))
    except RecursionError:
        return [
            TemplateIssue(TemplateIssueKind.MALFORMED, Severity.HIGH, "Template nests too deep.")
        ]
    outcome = probe_render(env, source)
    if outcome.security is not None and not any(i.kind is TemplateIssueKind.ESCAPE for i in issues):
        issues.append(
            TemplateIssue(
                TemplateIssueKind.ESCAPE,
                Severity.CRITICAL,
                "The sandbox blocked the template while rendering probe messages.",
                evidence=clip(str(outcome.security)),
            )
        )
    if outcome.limit is not None:
        issues.append(
            TemplateIssue(
                TemplateIssueKind.RESOURCE_LIMIT,
                Severity.HIGH,
                "Rendering probe messages exceeded a bound.",
                evidence=outcome.limit,
            )
        )
    return issues


def _dedupe(found: Iterator[TemplateIssue]) -> list[TemplateIssue]:
    """One issue per (kind, line), keeping the worst severity and every distinct evidence."""
    merged: dict[tuple[TemplateIssueKind, int | None], list[TemplateIssue]] = {}
    for issue in found:
        merged.setdefault((issue.kind, issue.line), []).append(issue)
    out = []
    for group in merged.values():
        # find_all walks outermost first; the innermost access is where the chain starts.
        group.reverse()
        worst = max(group, key=lambda i: i.severity)
        evidence = ", ".join(dict.fromkeys(i.evidence for i in group if i.evidence))
        message = worst.message
        if len(group) > 1 and worst.kind is TemplateIssueKind.ESCAPE:
            message = "The template walks Python internals that only serve a sandbox escape."
        out.append(TemplateIssue(worst.kind, worst.severity, message, clip(evidence), worst.line))
    return out


def _static_issues(tree: nodes.Template, env: ProbeEnvironment) -> Iterator[TemplateIssue]:
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr):
            yield from _name_issue(node.attr, f".{node.attr}", node.lineno)
        elif isinstance(node, nodes.Getitem):
            key = _const(node.arg, env)
            if isinstance(key, str):
                yield from _name_issue(key, f"[{key!r}]", node.lineno)
        elif isinstance(node, nodes.Filter) and node.name in _ATTRIBUTE_FILTERS:
            yield from _filter_issues(node, env)
        elif isinstance(node, nodes.Call):
            yield from _format_issue(node, env)
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name in GADGET_ROOTS and node.name not in stored:
                yield TemplateIssue(
                    TemplateIssueKind.SUSPICIOUS,
                    Severity.MEDIUM,
                    f"The template uses the global {node.name!r}, a known SSTI gadget root.",
                    evidence=node.name,
                    line=node.lineno,
                )
        elif isinstance(node, nodes.Concat | nodes.Add | nodes.Mul | nodes.Const):
            value = _const(node, env)
            found = _python_dunders(value)
            if found:
                yield TemplateIssue(
                    TemplateIssueKind.ESCAPE,
                    Severity.CRITICAL,
                    "The template spells a Python dunder attribute name in a string.",
                    evidence=found[0],
                    line=node.lineno,
                )


def _python_dunders(value: object) -> list[str]:
    """Dunder names in a string constant that exist on Python objects (``__class__``), not
    special tokens that merely look alike (``<|__start__|>``)."""
    if not isinstance(value, str) or "__" not in value:
        return []
    return [m for m in _DUNDER.findall(value) if m in PYTHON_DUNDERS]


def _name_issue(name: str, shown: str, line: int) -> Iterator[TemplateIssue]:
    if (name.startswith("__") and name.endswith("__")) or name in ESCAPE_ATTRS:
        yield TemplateIssue(
            TemplateIssueKind.ESCAPE,
            Severity.CRITICAL,
            f"The template reads {shown}, which only serves a sandbox escape.",
            evidence=shown,
            line=line,
        )
    elif name.startswith("_"):
        yield TemplateIssue(
            TemplateIssueKind.SUSPICIOUS,
            Severity.HIGH,
            f"The template reads the private attribute {shown}.",
            evidence=shown,
            line=line,
        )


def _filter_issues(node: nodes.Filter, env: ProbeEnvironment) -> Iterator[TemplateIssue]:
    candidates = list(node.args) if node.name == "attr" else []
    candidates += [kw.value for kw in node.kwargs if kw.key == "attribute"]
    for arg in candidates:
        value = _const(arg, env)
        if isinstance(value, str):
            for part in value.split("."):
                yield from _name_issue(part, f"|{node.name}({value!r})", node.lineno)
        elif node.name == "attr":
            yield TemplateIssue(
                TemplateIssueKind.SUSPICIOUS,
                Severity.HIGH,
                "The template uses |attr() with a computed attribute name.",
                evidence="|attr(...)",
                line=node.lineno,
            )


def _format_issue(node: nodes.Call, env: ProbeEnvironment) -> Iterator[TemplateIssue]:
    target = node.node
    if not isinstance(target, nodes.Getattr) or target.attr not in ("format", "format_map"):
        return
    pattern = _const(target.node, env)
    if isinstance(pattern, str) and _FORMAT_FIELD.search(pattern):
        yield TemplateIssue(
            TemplateIssueKind.ESCAPE,
            Severity.CRITICAL,
            "The template calls str.format with attribute or index access in a field.",
            evidence=clip(f"{pattern!r}.{target.attr}"),
            line=node.lineno,
        )


def _const(node: nodes.Node, env: ProbeEnvironment) -> object:
    """Fold string constants built with ``~``, ``+`` and ``*``, refusing large results."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Concat):
        parts = [_const(n, env) for n in node.nodes]
        if all(isinstance(p, str | int) for p in parts):
            return _small("".join(str(p) for p in parts))
        return None
    if isinstance(node, nodes.Add | nodes.Mul):
        left, right = _const(node.left, env), _const(node.right, env)
        if isinstance(node, nodes.Add) and isinstance(left, str) and isinstance(right, str):
            return _small(left + right)
        if isinstance(node, nodes.Mul):
            text, count = (left, right) if isinstance(left, str) else (right, left)
            if isinstance(text, str) and isinstance(count, int) and len(text) * count <= 4096:
                return text * count
    return None


def _small(text: str) -> str | None:
    return text if len(text) <= 4096 else None


def template_findings(
    issues: list[TemplateIssue], artifact: Artifact, *, prefix: str, member: str | None
) -> Iterator[Finding]:
    """Turn template issues into findings with ids ``<prefix><kind>``."""
    for issue in issues:
        yield Finding(
            rule_id=f"{prefix}{issue.kind.value}",
            severity=issue.severity,
            message=issue.message,
            location=Location(path=artifact.display, member=member, line=issue.line),
            evidence=issue.evidence,
            refs=REFS if issue.kind is TemplateIssueKind.ESCAPE else (),
        )


class ChatTemplateScanner:
    """Analyses ``chat_template`` in tokenizer/processor configs, ``chat_template.jinja`` and
    ``additional_chat_templates/*.jinja``."""

    name = NAME

    def handles(self, artifact: Artifact) -> bool:
        """True for tokenizer_config.json-like JSON files and transformers' template files."""
        name = artifact.path.name
        if artifact.kind not in (ArtifactKind.JSON, ArtifactKind.TEXT):
            return False
        if name == "chat_template.jinja" or artifact.relpath.startswith(_EXTRA_TEMPLATES_DIR):
            return name.endswith(".jinja")
        return artifact.kind is ArtifactKind.JSON and name in _CONFIG_NAMES

    def scan(self, artifact: Artifact, options: ScanOptions) -> Iterator[Finding]:
        """Yield findings for every template the file carries."""
        if artifact.size > _MAX_JSON_BYTES:
            yield malformed(artifact, NAME, f"The file has {artifact.size} bytes; too large.")
            return
        try:
            text = artifact.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield malformed(artifact, NAME, f"The file could not be read as UTF-8: {exc}.")
            return
        templates = _templates(text, artifact.path.name.endswith(".jinja"))
        if isinstance(templates, str):
            yield malformed(artifact, NAME, templates)
            return
        limits = TemplateLimits(timeout_s=min(2.0, options.timeout_s))
        for label, source in templates:
            issues = analyse_template(source, limits)
            yield from template_findings(issues, artifact, prefix=f"scan.{NAME}.", member=label)


def _templates(text: str, raw: bool) -> list[tuple[str, str]] | str:
    """``(label, source)`` pairs, or a message saying why the file is malformed."""
    if raw:
        return [("chat_template", text)]
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return f"The file is not valid JSON: {exc}."
    if not isinstance(config, dict):
        return "The file is not a JSON object."
    value = config.get("chat_template")
    if value is None:
        return []
    if isinstance(value, str):
        return [("chat_template", value)]
    if isinstance(value, list):
        out = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("template"), str):
                return "chat_template list entries must be {name, template} objects."
            out.append((f"chat_template[{item.get('name')!s}]", item["template"]))
        return out
    return "chat_template is neither a string nor a list of named templates."
