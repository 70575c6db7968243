"""The registry's state as the audit chain recorded it, rebuilt by replaying the entries.

Every change the service makes writes its facts into the chain in the same transaction, so
replaying the chain from the first entry yields what every governance table must hold. The
stored rows are then an index the chain vouches for: ``registry.drift`` compares them, and
the decisions that serve or waive anything (``is_approved``, the exceptions ``vet``
applies) read the replayed state, never the rows alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from modelsteward.registry.audit import AuditRowTuple
from modelsteward.registry.records import (
    Decision,
    Drift,
    ExceptionRecord,
    ExceptionState,
    ModelStatus,
    RequestState,
    Role,
    Signature,
)


@dataclass(slots=True)
class ChainPassport:
    """A passport version as recorded."""

    version: int
    manifest_digest: str
    decision: Decision
    required_roles: tuple[Role, ...]
    reasons: tuple[str, ...]
    passport_sha256: str
    actor: str


@dataclass(slots=True)
class ChainRequest:
    """An approval request and its verdicts as recorded."""

    id: int
    passport_version: int
    manifest_digest: str
    requester: str
    required_roles: tuple[Role, ...]
    state: RequestState
    signatures: list[Signature] = field(default_factory=list)


@dataclass(slots=True)
class ChainModel:
    """A model as recorded: its files, status, passports, requests and deployments."""

    id: int
    name: str
    manifest_digest: str
    files: dict[str, str]
    status: ModelStatus = ModelStatus.REGISTERED
    passports: dict[int, ChainPassport] = field(default_factory=dict)
    requests: dict[int, ChainRequest] = field(default_factory=dict)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class Ledger:
    """The replayed state. ``apply`` takes stored rows in chain order."""

    models: dict[int, ChainModel] = field(default_factory=dict)
    exceptions: dict[int, ExceptionRecord] = field(default_factory=dict)
    actors: dict[str, int] = field(default_factory=dict)
    """``name:role`` -> how many tokens the chain enrolled and did not revoke."""

    faults: list[Drift] = field(default_factory=list)
    """Entries whose facts could not be replayed, or that act on what the chain had
    already closed (none in a chain the service wrote from untouched rows)."""

    def apply(self, row: AuditRowTuple) -> None:
        """Replay one stored entry whose hash ``verify_chain`` has checked."""
        handler = _HANDLERS.get(row[3])
        if handler is None:
            return
        try:
            handler(self, json.loads(row[4]), row[2], row[1])
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            detail = f"entry {row[0]} ({row[3]}) cannot be replayed: {exc!r}"
            self.faults.append(Drift(table="audit_log", row=str(row[0]), detail=detail))

    def replaying(self, rows: Iterable[AuditRowTuple]) -> Iterator[AuditRowTuple]:
        """Pass ``rows`` through unchanged to ``verify_chain``, replaying each one only
        after the verifier has asked for the next: a row that fails verification is never
        replayed."""
        for row in rows:
            yield row
            self.apply(row)

    def waivers(self, model: str, manifest_digest: str, today: date) -> list[ExceptionRecord]:
        """The approved, unexpired exceptions for exactly these files of ``model``."""
        return [
            e
            for e in self.exceptions.values()
            if e.waives(model=model, manifest_digest=manifest_digest, today=today)
        ]


def _roles(values: Iterable[str]) -> tuple[Role, ...]:
    return tuple(Role(v) for v in values)


def _model_added(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    led.models[p["model_id"]] = ChainModel(
        id=p["model_id"], name=p["name"], manifest_digest=p["manifest_digest"], files=p["files"]
    )


def _manifest_changed(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    model = led.models[p["model_id"]]
    model.manifest_digest = p["manifest_digest"]
    model.files = p["files"]
    model.status = ModelStatus.REGISTERED


def _passport(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    model = led.models[p["model_id"]]
    record = ChainPassport(
        version=p["version"],
        manifest_digest=p["manifest_digest"],
        decision=Decision(p["decision"]),
        required_roles=_roles(p["required_roles"]),
        reasons=tuple(p["reasons"]),
        passport_sha256=p["passport_sha256"],
        actor=actor,
    )
    model.passports[record.version] = record
    if record.decision is Decision.REJECT:
        model.status = ModelStatus.REJECTED
    elif record.decision is Decision.APPROVE and not record.required_roles:
        model.status = ModelStatus.APPROVED
    else:
        model.status = ModelStatus.NEEDS_REVIEW


def _requested(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    model = led.models[p["model_id"]]
    # Entries before required_roles was recorded list them as missing (nobody had signed).
    roles = p.get("required_roles", p["missing_roles"])
    model.requests[p["request_id"]] = ChainRequest(
        id=p["request_id"],
        passport_version=p["passport_version"],
        manifest_digest=p["manifest_digest"],
        requester=actor,
        required_roles=_roles(roles),
        state=RequestState.APPROVED if not roles else RequestState.PENDING,
    )


def _signed(led: Ledger, p: dict[str, Any], actor: str, ts: str, *, approve: bool) -> None:
    model = led.models[p["model_id"]]
    req = model.requests[p["request_id"]]
    if req.state is not RequestState.PENDING:
        # A verdict on a closed request (written after its rows were edited back to
        # pending) changes nothing the chain already decided.
        detail = f"a verdict by {actor} came after the audit chain had closed this request"
        led.faults.append(
            Drift(table="approval_requests", row=str(req.id), detail=detail, model_id=model.id)
        )
        return
    req.signatures.append(
        Signature(
            role=Role(p["role"]), actor=actor, approve=approve, reason=p["reason"], created_at=ts
        )
    )
    signed = {s.role for s in req.signatures if s.approve}
    if not approve:
        req.state = RequestState.REJECTED
        model.status = ModelStatus.REJECTED
    elif all(r in signed for r in req.required_roles):
        req.state = RequestState.APPROVED
        model.status = ModelStatus.APPROVED


def _deployed(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    facts = {k: v for k, v in p.items() if k != "name"}
    facts.setdefault("safety", {})  # recorded before deployments carried safety facts
    led.models[p["model_id"]].deployments[p["id"]] = facts


def _exception_legacy(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    led.exceptions[p["id"]] = _exception(p, ExceptionState.LEGACY)


def _exception_requested(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    led.exceptions[p["id"]] = _exception(p, ExceptionState.REQUESTED)


def _exception(p: dict[str, Any], state: ExceptionState) -> ExceptionRecord:
    return ExceptionRecord(
        id=p["id"],
        rule_id=p["rule_id"],
        scope=p["scope"],
        manifest_digest=p.get("manifest_digest", ""),
        finding=p.get("finding", "*"),
        path=p.get("path", "*"),
        reason=p["reason"],
        owner=p["owner"],
        expires=date.fromisoformat(p["expires"]),
        actor=p["actor"],
        required_roles=_roles(p.get("required_roles", ())),
        state=state,
        created_at=p["created_at"],
    )


def _exception_step(
    led: Ledger, p: dict[str, Any], actor: str, ts: str, *, verdict: bool | None
) -> None:
    old = led.exceptions[p["exception_id"]]
    open_states = (ExceptionState.REQUESTED, ExceptionState.APPROVED)
    if old.state not in open_states or (verdict is not None and old.state is not open_states[0]):
        detail = f"a step by {actor} came after the audit chain had closed this exception"
        led.faults.append(
            Drift(table="policy_exceptions", row=str(old.id), detail=detail, exception_id=old.id)
        )
        return
    if verdict is None:
        led.exceptions[old.id] = replace(old, state=ExceptionState.REVOKED)
        return
    sig = Signature(
        role=Role(p["role"]), actor=actor, approve=verdict, reason=p["reason"], created_at=ts
    )
    record = replace(old, signatures=(*old.signatures, sig))
    if not verdict:
        record = replace(record, state=ExceptionState.REJECTED)
    elif not record.missing_roles:
        record = replace(record, state=ExceptionState.APPROVED)
    led.exceptions[old.id] = record


def _enrolled(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    key = f"{p['name']}:{p['role']}"
    led.actors[key] = led.actors.get(key, 0) + 1


def _revoked(led: Ledger, p: dict[str, Any], actor: str, ts: str) -> None:
    key = f"{p['name']}:{p['role']}"
    led.actors[key] = max(0, led.actors.get(key, 0) - int(p["tokens"]))


_Handler = Callable[[Ledger, dict[str, Any], str, str], None]

_HANDLERS: dict[str, _Handler] = {
    "model.added": _model_added,
    "model.manifest-changed": _manifest_changed,
    "passport.recorded": _passport,
    "approval.requested": _requested,
    "approval.signed": lambda led, p, a, ts: _signed(led, p, a, ts, approve=True),
    "approval.rejected": lambda led, p, a, ts: _signed(led, p, a, ts, approve=False),
    "model.deployed": _deployed,
    "exception.added": _exception_legacy,
    "exception.requested": _exception_requested,
    "exception.signed": lambda led, p, a, ts: _exception_step(led, p, a, ts, verdict=True),
    "exception.rejected": lambda led, p, a, ts: _exception_step(led, p, a, ts, verdict=False),
    "exception.revoked": lambda led, p, a, ts: _exception_step(led, p, a, ts, verdict=None),
    "actor.enrolled": _enrolled,
    "actor.revoked": _revoked,
}
"""What each action changes; actions not listed (SLA clocks) decide no approval."""
