"""``RegistryService``: models, passports, approvals, exceptions, deployments and the audit
chain, with every state change and its audit entry committed in one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, TextIO

from modelsteward.registry import approvals, recording
from modelsteward.registry import exceptions as exception_flow
from modelsteward.registry.audit import export_lines
from modelsteward.registry.catalog import Catalog
from modelsteward.registry.chaincache import CHAIN_CACHE, ChainCache, Held
from modelsteward.registry.drift import exception_drift, model_drift
from modelsteward.registry.facts import (
    check_manifest,
    find_model,
    parse_decision,
    request_facts,
)
from modelsteward.registry.identity import ActorDirectory
from modelsteward.registry.recording import Vetted
from modelsteward.registry.records import (
    Actor,
    ApprovalRequest,
    ApprovalStatus,
    AuditVerification,
    DeploymentRecord,
    ExceptionRecord,
    ModelDetail,
    ModelRecord,
    ModelStatus,
    PassportRecord,
    RegistryError,
    Role,
)
from modelsteward.registry.sla import RegistrySlaState
from modelsteward.registry.store.interface import Store
from modelsteward.registry.trust import Trusted, replay

if TYPE_CHECKING:
    from modelsteward.vulns import SlaEntry


class RegistryService:
    """The registry's operations. Writes raise ``StoreError`` when the database fails."""

    def __init__(
        self,
        store: Store,
        *,
        audit_key: bytes | None = None,
        chain_cache: ChainCache | None = None,
    ) -> None:
        self.store = store
        self._audit_key = audit_key
        self._chain = CHAIN_CACHE if chain_cache is None else chain_cache

    def close(self) -> None:
        """Release database connections."""
        self.store.close()

    @property
    def actors(self) -> ActorDirectory:
        """Actors identified by token."""
        return ActorDirectory(self.store, self._chain)

    @property
    def catalog(self) -> Catalog:
        """Paged, filtered listings and dashboard counts (read only)."""
        return Catalog(self.store)

    # -- models ---------------------------------------------------------------------------

    def add_model(
        self, name: str, *, source: str, revision: str, files: Mapping[str, str], actor: str
    ) -> ModelRecord:
        """Register a model with its file manifest (relpath -> sha256).

        Registering a known name with the same files changes nothing; with other files it
        replaces the manifest, which voids its passport and approvals.

        Raises:
            RegistryError: when the name is empty or a hash is not a SHA-256 hex digest.
        """
        check_manifest(name, files)
        with self.store.write() as tx:
            return recording.add_model(
                tx, name, source=source, revision=revision, files=files, actor=actor
            )

    def find(self, ref: str | int) -> ModelRecord:
        """A model by id or by name.

        Raises:
            NotFoundError: when no model matches.
        """
        with self.store.read() as tx:
            return find_model(tx, ref)

    def list_models(self, limit: int = 100, offset: int = 0) -> list[ModelRecord]:
        """Models ordered by id."""
        with self.store.read() as tx:
            return tx.list_models(limit, offset)

    def count_models(self) -> int:
        """How many models are registered."""
        with self.store.read() as tx:
            return tx.count_models()

    def show(self, model_id: int | str) -> ModelDetail:
        """Everything known about a model: files, passports, requests, deployments.

        Raises:
            NotFoundError: when no model matches.
        """
        with self.store.read() as tx:
            model = find_model(tx, model_id)
            return ModelDetail(
                model=model,
                files=tx.files(model.id),
                passports=tuple(tx.passports(model.id)),
                requests=tuple(tx.requests(model.id)),
                deployments=tuple(tx.deployments(model.id)),
            )

    def explain(self, model_id: int | str) -> str:
        """One sentence on why a model is, or is not, approved."""
        with self.store.read() as tx:
            return approvals.explain(tx, find_model(tx, model_id))

    # -- passports and approvals ----------------------------------------------------------

    def record_passport(
        self,
        model_id: int | str,
        passport: Mapping[str, object],
        decision: str,
        required_roles: Sequence[str],
        reasons: Sequence[str],
        actor: str,
    ) -> PassportRecord:
        """Store the next passport version with its policy decision, for the current files.

        Raises:
            NotFoundError: when the model does not exist.
            RegistryError: when the decision or a role is unknown.
        """
        return self._record(model_id, passport, decision, required_roles, reasons, actor)[0]

    def record_passport_once(
        self,
        model_id: int | str,
        passport: Mapping[str, object],
        decision: str,
        required_roles: Sequence[str],
        reasons: Sequence[str],
        actor: str,
    ) -> tuple[PassportRecord, bool]:
        """Like ``record_passport``, but a passport for the same files, judged with the same
        versions (its ``versions`` section) to the same decision, is not stored twice.

        Returns the passport in force and whether it was created. The check and the insert
        run in one write transaction, which writers take one at a time, so concurrent
        vettings of one model never duplicate a passport.

        Raises:
            NotFoundError: when the model does not exist.
            RegistryError: when the decision or a role is unknown.
        """
        return self._record(model_id, passport, decision, required_roles, reasons, actor, once=True)

    def _record(
        self,
        model_id: int | str,
        passport: Mapping[str, object],
        decision: str,
        required_roles: Sequence[str],
        reasons: Sequence[str],
        actor: str,
        *,
        once: bool = False,
    ) -> tuple[PassportRecord, bool]:
        parsed = parse_decision(decision)
        roles = tuple(Role.parse(r) for r in required_roles)
        with self.store.write() as tx:
            return recording.record_passport(
                tx, model_id, passport, parsed, roles, reasons, actor, once=once
            )

    def record_vetted(
        self,
        vetted: Vetted,
        *,
        actor: str,
        request: bool,
    ) -> tuple[ModelRecord, PassportRecord, bool, ApprovalRequest | None]:
        """``add_model``, ``record_passport_once`` and, with ``request``,
        ``request_approval``, in one write transaction: the model, its passport in force,
        whether that passport was created, and the open request.

        Raises:
            RegistryError: as the three steps do.
            ApprovalError: when the request is refused.
        """
        check_manifest(vetted.name, vetted.files)
        parsed = parse_decision(vetted.decision)
        roles = tuple(Role.parse(r) for r in vetted.required_roles)
        with self.store.write() as tx:
            model = recording.add_model(
                tx,
                vetted.name,
                source=vetted.source,
                revision=vetted.revision,
                files=vetted.files,
                actor=actor,
            )
            stored, created = recording.record_passport(
                tx, model.id, vetted.passport, parsed, roles, vetted.reasons, actor, once=True
            )
            req = recording.request_approval(tx, model.id, actor) if request else None
            return model, stored, created, req

    def request_approval(self, model_id: int | str, requester: str) -> ApprovalRequest:
        """Ask the required reviewers to sign the current passport (idempotent).

        Raises:
            NotFoundError: when the model does not exist.
            RegistryError: when it has no passport for its current files.
            ApprovalError: when the policy rejected it.
        """
        with self.store.write() as tx:
            return recording.request_approval(tx, model_id, requester)

    def approve(
        self, model_id: int | str, role: Role | str, actor: str, reason: str
    ) -> ApprovalRequest:
        """Sign the pending request in ``role``; the last required role approves the model.

        Raises:
            ApprovalError: when separation of duties forbids it, or no valid request is
                pending (a changed file voids the request).
        """
        return self._sign(model_id, role, actor, reason, approve=True)

    def reject(
        self, model_id: int | str, role: Role | str, actor: str, reason: str
    ) -> ApprovalRequest:
        """Reject the pending request in a required role (or as admin).

        Raises:
            ApprovalError: as for ``approve``.
        """
        return self._sign(model_id, role, actor, reason, approve=False)

    def _sign(
        self, model_id: int | str, role: Role | str, actor: str, reason: str, *, approve: bool
    ) -> ApprovalRequest:
        parsed = role if isinstance(role, Role) else Role.parse(role)
        with self.store.write() as tx:
            model = find_model(tx, model_id)
            req = approvals.sign(
                tx, model, role=parsed, actor=actor, reason=reason, approve=approve
            )
            facts = {**request_facts(model, req), "role": parsed.value, "reason": reason}
            tx.append_audit(actor, "approval.signed" if approve else "approval.rejected", facts)
            return req

    def is_approved(self, files: Mapping[str, str]) -> ApprovalStatus:
        """Whether these exact file contents (relpath -> sha256) may be served.

        They may when every hash belongs to the current manifest of one model that the
        audit chain records as approved, and the stored rows of that model agree with the
        chain: an edited status, approval, passport or file row approves nothing, and a
        broken chain approves nothing at all. Paths are not compared, contents are.
        """
        hashes = {h.lower() for h in files.values()}
        if not hashes:
            return ApprovalStatus(approved=False, model=None, reason="no files were given")
        with self.chain_state() as held:
            result = held.verification
            if not result.intact:
                return ApprovalStatus(
                    approved=False,
                    model=None,
                    reason=f"the audit chain is broken at entry {result.first_bad_seq} "
                    f"({result.detail}): nothing is approved until it is restored",
                )
            ledger = held.ledger
            candidates = sorted(
                (m for m in ledger.models.values() if hashes <= set(m.files.values())),
                key=lambda m: m.id,
            )
            if not candidates:
                return ApprovalStatus(
                    approved=False, model=None, reason="no registered model has these files"
                )
            unsafe = [d for d in ledger.faults if d.model_id is None and d.table == "audit_log"]
            for model in candidates:
                drift = model_drift(held.tx, ledger, model.id) + unsafe
                if model.status is ModelStatus.APPROVED and not drift:
                    why = approvals.explain(held.tx, find_model(held.tx, model.id))
                    return ApprovalStatus(
                        approved=True, model=model.name, model_id=model.id, reason=why
                    )
                if drift:
                    return ApprovalStatus(
                        approved=False,
                        model=model.name,
                        model_id=model.id,
                        reason=f"the stored state of {model.name} disagrees with the audit "
                        f"chain ({drift[0]}); nothing it holds is approved",
                    )
            model = candidates[0]
            why = approvals.explain(held.tx, find_model(held.tx, model.id))
            return ApprovalStatus(approved=False, model=model.name, model_id=model.id, reason=why)

    @contextmanager
    def chain_state(self) -> Iterator[Held]:
        """The audit chain verified and replayed, from the process's cache: the whole chain
        is walked once, then only the entries appended since (see ``registry.chaincache``).
        Stored rows are not compared; ``registry.drift`` compares those that matter with
        ``held.tx``. Other users of the same registry in this process wait until the block
        ends.

        Raises:
            StoreError: when the database cannot be read.
        """
        with self._chain.hold(self.store, key=self._audit_key) as held:
            yield held

    def exception_drift(self) -> tuple[bool, frozenset[int]]:
        """Whether the chain is intact, and the exceptions whose stored rows disagree with
        what it recorded.

        Raises:
            StoreError: when the database cannot be read.
        """
        with self.chain_state() as held:
            if not held.verification.intact:
                return False, frozenset()
            drift = exception_drift(held.tx, held.ledger)
        return True, frozenset(d.exception_id for d in drift if d.exception_id is not None)

    def verified(self, anchor: tuple[int, str] | None = None) -> Trusted:
        """The chain verified and replayed, with every stored row compared to it.

        Raises:
            StoreError: when the database cannot be read.
        """
        return replay(self.store, anchor=anchor, key=self._audit_key)

    # -- exceptions and deployments -------------------------------------------------------

    def request_exception(
        self,
        draft: ExceptionRecord,
        model_id: int | str,
        *,
        latest_expiry: date,
    ) -> ExceptionRecord:
        """Ask the roles in ``draft.required_roles`` to approve a waiver of
        ``draft.rule_id`` for ``draft.finding`` at ``draft.path`` in the model's current
        files, requested by ``draft.actor``, until ``draft.expires`` (inclusive, at the
        latest ``latest_expiry``). The caller (the policy) names the rule and the roles.

        Raises:
            NotFoundError: when the model does not exist.
            RegistryError: when a field is empty, the expiry is out of bounds or no
                reviewer role is named.
        """
        with self.store.write() as tx:
            model = find_model(tx, model_id)
            record = exception_flow.new_request(tx, draft, model, latest_expiry=latest_expiry)
            tx.append_audit(draft.actor, "exception.requested", record.to_dict())
            return record

    def approve_exception(
        self, exception_id: int, role: Role | str, actor: str, reason: str
    ) -> ExceptionRecord:
        """Approve a requested exception in ``role``; the last required role makes it
        waive.

        Raises:
            NotFoundError: when it does not exist.
            ApprovalError: when separation of duties forbids it or it is not pending.
        """
        return self._review_exception(exception_id, role, actor, reason, approve=True)

    def reject_exception(
        self, exception_id: int, role: Role | str, actor: str, reason: str
    ) -> ExceptionRecord:
        """Reject a requested exception in a required role (or as admin).

        Raises:
            NotFoundError: when it does not exist.
            ApprovalError: as for ``approve_exception``.
        """
        return self._review_exception(exception_id, role, actor, reason, approve=False)

    def _review_exception(
        self, exception_id: int, role: Role | str, actor: str, reason: str, *, approve: bool
    ) -> ExceptionRecord:
        parsed = role if isinstance(role, Role) else Role.parse(role)
        with self.store.write() as tx:
            record = exception_flow.sign(
                tx, exception_id, role=parsed, actor=actor, reason=reason, approve=approve
            )
            facts = {
                "exception_id": record.id,
                "rule_id": record.rule_id,
                "scope": record.scope,
                "role": parsed.value,
                "reason": reason,
                "state": record.state.value,
                "missing_roles": [r.value for r in record.missing_roles],
            }
            tx.append_audit(actor, "exception.signed" if approve else "exception.rejected", facts)
            return record

    def revoke_exception(self, exception_id: int, actor: Actor, reason: str) -> ExceptionRecord:
        """End an exception now.

        Raises:
            NotFoundError: when it does not exist.
            ApprovalError: when it is closed already or ``actor`` may not revoke it.
        """
        with self.store.write() as tx:
            record = exception_flow.revoke(tx, exception_id, actor=actor)
            facts = {
                "exception_id": record.id,
                "rule_id": record.rule_id,
                "scope": record.scope,
                "role": actor.role.value,
                "reason": reason,
                "state": record.state.value,
            }
            tx.append_audit(actor.name, "exception.revoked", facts)
            return record

    def exceptions(self) -> list[ExceptionRecord]:
        """Every exception as stored (requested, approved, rejected, revoked, legacy)."""
        with self.store.read() as tx:
            return tx.exceptions()

    def waivers(self, model: str, manifest_digest: str, today: date) -> list[ExceptionRecord]:
        """The exceptions that waive reasons of ``model`` with exactly these files on
        ``today``, as the audit chain records them (a stored row edited to ``approved``
        waives nothing).

        Raises:
            RegistryError: when the chain is broken: no exception can be trusted.
        """
        with self.chain_state() as held:
            result = held.verification
            if not result.intact:
                raise RegistryError(
                    f"the audit chain is broken at entry {result.first_bad_seq}: "
                    "registry exceptions cannot be trusted",
                    hint="run modelsteward registry audit verify, and restore the registry",
                )
            return held.ledger.waivers(model, manifest_digest, today)

    def deploy(
        self,
        model_id: int | str,
        target: str,
        engine: str,
        runtime_inventory: Sequence[Mapping[str, str]],
        actor: str,
        safety: Mapping[str, object] | None = None,
    ) -> DeploymentRecord:
        """Record that an approved model runs on ``target`` with ``engine``, and how it is
        served (``safety``: the gateway configuration's facts, see ``DeploymentRecord``).

        Raises:
            NotFoundError: when the model does not exist.
            RegistryError: when the model is not approved for its current files.
        """
        with self.store.write() as tx:
            model = find_model(tx, model_id)
            if model.status is not ModelStatus.APPROVED:
                raise RegistryError(
                    f"{model.name} is not approved: {approvals.explain(tx, model)}",
                    hint="only approved models may be deployed",
                )
            record = tx.insert_deployment(
                model_id=model.id,
                manifest_digest=model.manifest_digest,
                target=target,
                engine=engine,
                runtime_inventory=runtime_inventory,
                actor=actor,
                safety=safety,
            )
            tx.append_audit(actor, "model.deployed", {"name": model.name, **record.to_dict()})
            return record

    def deployments(self, model_id: int | str | None = None) -> list[DeploymentRecord]:
        """Deployments of one model, or of every model."""
        with self.store.read() as tx:
            return tx.deployments(None if model_id is None else find_model(tx, model_id).id)

    # -- vulnerability SLA state ----------------------------------------------------------

    def sla_state(self) -> RegistrySlaState:
        """The registry as the ``SlaStateStore`` that vulnerability matching keeps clocks in."""
        return RegistrySlaState(self.store)

    def open_items(self) -> list[SlaEntry]:
        """SLA entries not fixed yet, soonest due first."""
        with self.store.read() as tx:
            entries = [e for e in tx.sla_entries() if e.fixed_on is None]
        return sorted(entries, key=lambda e: (e.due, e.key))

    # -- audit ----------------------------------------------------------------------------

    def audit_verify(self, anchor: tuple[int, str] | None = None) -> AuditVerification:
        """Walk the whole chain, name the first edited, deleted or reordered entry, and
        list every stored row that disagrees with it.

        ``anchor`` is a ``(seq, hash)`` published earlier (``head_hash`` of a past run): the
        entry at ``seq`` must still carry that hash. With an audit key, the head must be
        covered by a valid signed checkpoint.
        """
        return self.verified(anchor).verification

    def audit_export(self, fh: TextIO) -> int:
        """Write the audit log as JSON lines to ``fh``; return how many entries."""
        count = 0
        with self.store.audit_snapshot() as snap:
            for line in export_lines(snap.entries()):
                fh.write(line)
                count += 1
        return count
