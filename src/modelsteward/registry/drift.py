"""Compare the stored governance rows with the state the audit chain recorded.

Every difference is a ``Drift`` that names the table and the row: an edited status column,
a signature inserted by hand, a passport rewritten after its decision, an exception whose
state was flipped, a token row added behind the enrolment. Rows the chain never recorded
and recorded rows that are gone are drift too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from modelsteward.registry.audit import canonical_json
from modelsteward.registry.ledger import ChainModel, ChainPassport, ChainRequest, Ledger
from modelsteward.registry.records import (
    ApprovalRequest,
    Drift,
    ExceptionRecord,
    ModelRecord,
    PassportRecord,
)
from modelsteward.registry.store.interface import Tx

_ALL = 2**31 - 1


def find_drift(tx: Tx, ledger: Ledger) -> list[Drift]:
    """Every stored row that disagrees with ``ledger``, in table order."""
    out = list(ledger.faults)
    stored = {m.id: m for m in tx.list_models(_ALL, 0)}
    for model_id, model in stored.items():
        chain = ledger.models.get(model_id)
        if chain is None:
            out.append(_model(model_id, f"{model.name} was never recorded in the audit chain"))
            continue
        out += _model_drift(tx, model, chain)
    for model_id, chain in ledger.models.items():
        if model_id not in stored:
            out.append(_model(model_id, f"{chain.name} is in the audit chain but was deleted"))
    out += _exception_drift(tx.exceptions(), ledger.exceptions)
    out += _actor_drift(tx.actor_counts(), ledger.actors)
    return out


def _model(model_id: int, detail: str, table: str = "models", row: str = "") -> Drift:
    return Drift(table=table, row=row or str(model_id), detail=detail, model_id=model_id)


def _differs(what: str, stored: object, chain: object) -> str:
    return f"{what} is {stored!r} but the audit chain recorded {chain!r}"


def _model_drift(tx: Tx, model: ModelRecord, chain: ChainModel) -> list[Drift]:
    out = []
    mid = model.id
    for what, stored, recorded in (
        ("name", model.name, chain.name),
        ("manifest_digest", model.manifest_digest, chain.manifest_digest),
        ("status", model.status.value, chain.status.value),
    ):
        if stored != recorded:
            out.append(_model(mid, _differs(what, stored, recorded)))
    files = tx.files(mid)
    for relpath in sorted(set(files) | set(chain.files)):
        if files.get(relpath) != chain.files.get(relpath):
            detail = _differs("sha256", files.get(relpath), chain.files.get(relpath))
            out.append(_model(mid, detail, "model_files", f"{mid}/{relpath}"))
    out += _keyed(mid, "passports", tx.passports(mid), chain.passports, _passport_facts)
    out += _keyed(mid, "approval_requests", tx.requests(mid), chain.requests, _request_facts)
    deployments = {d.id: d.to_dict() for d in tx.deployments(mid)}
    for dep_id in sorted(set(deployments) | set(chain.deployments)):
        if deployments.get(dep_id) != chain.deployments.get(dep_id):
            detail = "differs from the deployment the audit chain recorded"
            if dep_id not in chain.deployments:
                detail = "was never recorded in the audit chain"
            elif dep_id not in deployments:
                detail = "is in the audit chain but was deleted"
            out.append(_model(mid, detail, "deployments", str(dep_id)))
    return out


def _keyed(
    model_id: int,
    table: str,
    stored_rows: Iterable[PassportRecord | ApprovalRequest],
    chain_rows: Mapping[int, ChainPassport | ChainRequest],
    facts: object,
) -> list[Drift]:
    out = []
    stored = {_key(r): r for r in stored_rows}
    for key in sorted(set(stored) | set(chain_rows)):
        row = f"{model_id}/v{key}" if table == "passports" else str(key)
        if key not in chain_rows:
            out.append(_model(model_id, "was never recorded in the audit chain", table, row))
        elif key not in stored:
            out.append(_model(model_id, "is in the audit chain but was deleted", table, row))
        else:
            mine, theirs = facts(stored[key]), facts(chain_rows[key])  # type: ignore[operator]
            for name in mine:
                if mine[name] != theirs[name]:
                    detail = _differs(name, mine[name], theirs[name])
                    out.append(_model(model_id, detail, table, row))
    return out


def _key(record: PassportRecord | ApprovalRequest) -> int:
    return record.version if isinstance(record, PassportRecord) else record.id


def _passport_facts(p: PassportRecord | ChainPassport) -> dict[str, object]:
    if isinstance(p, PassportRecord):
        digest = hashlib.sha256(canonical_json(dict(p.passport)).encode("utf-8")).hexdigest()
    else:
        digest = p.passport_sha256
    return {
        "manifest_digest": p.manifest_digest,
        "decision": p.decision.value,
        "required_roles": [r.value for r in p.required_roles],
        "reasons": list(p.reasons),
        "passport_sha256": digest,
        "actor": p.actor,
    }


def _request_facts(r: ApprovalRequest | ChainRequest) -> dict[str, object]:
    return {
        "passport_version": r.passport_version,
        "manifest_digest": r.manifest_digest,
        "requester": r.requester,
        "required_roles": [x.value for x in r.required_roles],
        "state": r.state.value,
        "signatures": [(s.role.value, s.actor, s.approve, s.reason) for s in r.signatures],
    }


def _exception_drift(
    stored: list[ExceptionRecord], chain: Mapping[int, ExceptionRecord]
) -> list[Drift]:
    out = []
    rows = {e.id: e for e in stored}
    for key in sorted(set(rows) | set(chain)):
        mine, theirs = rows.get(key), chain.get(key)
        detail = ""
        if theirs is None:
            detail = "was never recorded in the audit chain"
        elif mine is None:
            detail = "is in the audit chain but was deleted"
        else:
            a, b = _exception_facts(mine), _exception_facts(theirs)
            detail = "; ".join(_differs(k, a[k], b[k]) for k in a if a[k] != b[k])
        if detail:
            out.append(
                Drift(table="policy_exceptions", row=str(key), detail=detail, exception_id=key)
            )
    return out


def _exception_facts(e: ExceptionRecord) -> dict[str, object]:
    facts = e.to_dict()
    facts["signatures"] = [(s.role.value, s.actor, s.approve, s.reason) for s in e.signatures]
    return facts


def _actor_drift(stored: Mapping[str, int], chain: Mapping[str, int]) -> list[Drift]:
    out = []
    for key in sorted(set(stored) | set(chain)):
        have, recorded = stored.get(key, 0), chain.get(key, 0)
        if have != recorded:
            detail = f"{have} active token(s) but the audit chain enrolled {recorded}"
            out.append(Drift(table="actors", row=key, detail=detail))
    return out


def model_drift(tx: Tx, ledger: Ledger, model_id: int) -> list[Drift]:
    """``find_drift`` for one model: the chain's faults about it and its stored rows."""
    out = [d for d in ledger.faults if d.model_id == model_id]
    stored, chain = tx.model(model_id), ledger.models.get(model_id)
    if stored is not None and chain is None:
        out.append(_model(model_id, f"{stored.name} was never recorded in the audit chain"))
    elif stored is None and chain is not None:
        out.append(_model(model_id, f"{chain.name} is in the audit chain but was deleted"))
    elif stored is not None and chain is not None:
        out += _model_drift(tx, stored, chain)
    return out


def exception_drift(tx: Tx, ledger: Ledger) -> list[Drift]:
    """``find_drift`` for the policy exceptions alone."""
    faults = [d for d in ledger.faults if d.exception_id is not None]
    return faults + _exception_drift(tx.exceptions(), ledger.exceptions)


def actor_drift(tx: Tx, ledger: Ledger, actor: str) -> list[Drift]:
    """``find_drift`` for the tokens of one actor (``name:role``)."""
    stored = {k: v for k, v in tx.actor_counts().items() if k == actor}
    return _actor_drift(stored, {k: v for k, v in ledger.actors.items() if k == actor})
