"""Suites by name, from an organisation's suite file, or from public dataset directories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from modelsteward.safety.evaluation.suite import (
    CANARY_KINDS,
    Probe,
    ProbeKind,
    Suite,
    SuiteError,
    chat,
    messages_from,
)
from modelsteward.safety.evaluation.templates import CORE_SUITE, core_suite
from modelsteward.safety.interface import Hazard

MAX_SUITE_BYTES = 64 * 1024 * 1024
MAX_PROBES = 100_000
_HINT = "see the suite file format in docs/evaluate.md"
_Text = Annotated[str, StringConstraints(min_length=1, max_length=200_000)]
_Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$", max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _MessageSpec(_Strict):
    role: Literal["system", "user", "assistant", "tool"]
    content: _Text


class _ProbeSpec(_Strict):
    id: _Id
    kind: ProbeKind = ProbeKind.HARMFUL
    family: _Id | None = None
    hazard: Hazard | None = None
    prompt: _Text | None = None
    system: _Text | None = None
    messages: list[_MessageSpec] | None = None
    canaries: list[_Text] = Field(default_factory=list)
    language: str = "en"


class _SuiteSpec(_Strict):
    id: _Id
    version: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    license: str = ""
    provenance: list[str] = Field(default_factory=list)
    probes: list[_ProbeSpec] = Field(min_length=1, max_length=MAX_PROBES)


def load_suite(spec: str) -> Suite:
    """The suite ``spec`` names: ``core``, a suite file (YAML or JSON), or a directory of
    public datasets in the ``shared/data/safety`` layout.

    Raises:
        SuiteError: for an unknown name or an unreadable or invalid file.
    """
    if spec == CORE_SUITE:
        return core_suite()
    path = Path(spec)
    if path.is_dir():
        from modelsteward.safety.evaluation.public import public_suite

        return public_suite(path)
    if path.is_file():
        return load_suite_file(path)
    raise SuiteError(
        f"unknown suite {spec!r}: not a built-in suite, a file or a directory",
        hint=f"use --suite {CORE_SUITE}, a suite file (.yaml/.json) or a dataset directory",
    )


def load_suite_file(path: Path) -> Suite:
    """Read an organisation's suite file.

    Raises:
        SuiteError: when the file is too large, not YAML/JSON, or not a valid suite.
    """
    try:
        if path.stat().st_size > MAX_SUITE_BYTES:
            raise SuiteError(f"suite {path} is larger than {MAX_SUITE_BYTES >> 20} MiB", hint=_HINT)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read suite {path}: {exc}", hint="check the --suite path") from exc
    try:
        data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SuiteError(
            f"suite {path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'} ({first})",
            hint=_HINT,
        ) from exc
    if not isinstance(data, dict):
        raise SuiteError(
            f"suite {path}: a suite must be a mapping with id, version and probes", hint=_HINT
        )
    try:
        spec = _SuiteSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "suite"
        raise SuiteError(f"suite {path}: {where}: {err['msg']}", hint=_HINT) from exc
    probes = []
    seen: set[str] = set()
    for i, item in enumerate(spec.probes):
        if item.id in seen:
            raise SuiteError(
                f"suite {path}: probes.{i}: probe id {item.id!r} is used twice", hint=_HINT
            )
        seen.add(item.id)
        probes.append(_probe(item, f"suite {path}: probes.{i}"))
    return Suite(
        id=spec.id,
        version=spec.version,
        license=spec.license,
        provenance=tuple(spec.provenance),
        probes=tuple(probes),
        origin=str(path),
    )


_DEFAULT_FAMILY = {
    ProbeKind.HARMFUL: "direct",
    ProbeKind.BENIGN: "over-refusal",
    ProbeKind.INJECTION: "injection-document",
    ProbeKind.EXTRACTION: "system-prompt-extraction",
    ProbeKind.LEAKAGE: "context-leakage",
}


def _probe(item: _ProbeSpec, where: str) -> Probe:
    if (item.prompt is None) == (item.messages is None):
        raise SuiteError(f"{where}: give either `prompt` or `messages`", hint=_HINT)
    if item.messages is not None:
        if item.system is not None:
            raise SuiteError(f"{where}: put the system message inside `messages`", hint=_HINT)
        try:
            messages = messages_from([m.model_dump() for m in item.messages])
        except ValueError as exc:
            raise SuiteError(f"{where}: {exc}", hint=_HINT) from exc
    else:
        messages = chat(item.system, str(item.prompt))
    if item.kind in CANARY_KINDS and not item.canaries:
        raise SuiteError(f"{where}: a {item.kind.value} probe needs `canaries`", hint=_HINT)
    if item.kind is ProbeKind.HARMFUL and item.hazard is None:
        raise SuiteError(f"{where}: a harmful probe needs a `hazard` (S1-S14)", hint=_HINT)
    return Probe(
        id=item.id,
        kind=item.kind,
        family=item.family or _DEFAULT_FAMILY[item.kind],
        hazard=item.hazard,
        messages=messages,
        canaries=tuple(item.canaries),
        language=item.language,
        source="suite-file",
    )
