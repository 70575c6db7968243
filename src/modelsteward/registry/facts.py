"""Lookups, input checks and audit payloads shared by the registry service."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from modelsteward.findings import Severity
from modelsteward.registry.records import (
    ApprovalRequest,
    Decision,
    ModelRecord,
    NotFoundError,
    RegistryError,
)
from modelsteward.registry.store.interface import Tx

_SHA256 = re.compile(r"[0-9a-f]{64}")


def find_model(tx: Tx, ref: int | str) -> ModelRecord:
    """A model by id (an int or a string of digits) or by name.

    Raises:
        NotFoundError: when none matches.
    """
    model: ModelRecord | None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        model = tx.model(int(ref))
        if model is None and isinstance(ref, str):
            model = tx.model_by_name(ref)
    else:
        model = tx.model_by_name(ref)
    if model is None:
        raise NotFoundError(
            f"no registered model {ref!r}", hint="list models with: modelsteward registry list"
        )
    return model


def must_exist(model: ModelRecord | None, model_id: int) -> ModelRecord:
    """``model``, which a lookup inside the same transaction must have found."""
    if model is None:
        raise NotFoundError(f"model {model_id} vanished", hint="retry the command")
    return model


def check_manifest(name: str, files: Mapping[str, str]) -> None:
    """Refuse an empty name, an empty manifest or a hash that is not SHA-256 hex.

    Raises:
        RegistryError: on the first problem.
    """
    if not name.strip():
        raise RegistryError("a model needs a name", hint="give --name")
    if not files:
        raise RegistryError(f"model {name} has no files", hint="register a non-empty model")
    for relpath, digest in files.items():
        if not _SHA256.fullmatch(digest):
            raise RegistryError(
                f"{relpath}: {digest!r} is not a lowercase SHA-256 hex digest",
                hint="hash files with modelsteward.inventory.sha256_file",
            )


def parse_decision(value: str) -> Decision:
    """A policy decision from its name.

    Raises:
        RegistryError: when the name is unknown.
    """
    try:
        return Decision(value.strip().lower())
    except ValueError:
        raise RegistryError(
            f"unknown decision {value!r}", hint="use approve, needs_review or reject"
        ) from None


def model_facts(model: ModelRecord) -> dict[str, object]:
    """The audit payload that identifies a model."""
    return {
        "model_id": model.id,
        "name": model.name,
        "source": model.source,
        "revision": model.revision,
        "manifest_digest": model.manifest_digest,
    }


def request_facts(model: ModelRecord, req: ApprovalRequest) -> dict[str, object]:
    """The audit payload of an approval request."""
    return {
        "model_id": model.id,
        "name": model.name,
        "request_id": req.id,
        "passport_version": req.passport_version,
        "manifest_digest": req.manifest_digest,
        "state": req.state.value,
        "required_roles": [r.value for r in req.required_roles],
        "missing_roles": [r.value for r in req.missing_roles],
    }


def sha256_text(text: str) -> str:
    """The hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passport_summary(passport: Mapping[str, object]) -> tuple[str | None, int | None]:
    """The license family and the worst finding severity (0 info to 4 critical) of a
    passport, which the catalog lists and filters on; None where the passport has none."""
    lic = passport.get("license")
    family = lic.get("family") if isinstance(lic, Mapping) else None
    report = passport.get("report")
    findings = report.get("findings") if isinstance(report, Mapping) else None
    levels: list[int] = []
    for finding in findings if isinstance(findings, list) else ():
        if isinstance(finding, Mapping):
            try:
                levels.append(int(Severity.parse(str(finding.get("severity", "")))))
            except ValueError:
                levels.append(int(Severity.HIGH))
    return (str(family) if family else None), (max(levels) if levels else None)
