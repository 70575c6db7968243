"""``RegistryService``: models, passports, approvals, exceptions, deployments and the audit
chain, with every state change and its audit entry committed in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from datetime import date
from typing import TYPE_CHECKING, TextIO

from modelsteward.registry import approvals
from modelsteward.registry.audit import (
    AuditRowTuple,
    canonical_json,
    export_lines,
    verify_chain,
)
from modelsteward.registry.facts import (
    check_manifest,
    find_model,
    model_facts,
    must_exist,
    parse_decision,
    request_facts,
    sha256_text,
)
from modelsteward.registry.identity import ActorDirectory
from modelsteward.registry.records import (
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
    manifest_digest,
)
from modelsteward.registry.sla import RegistrySlaState
from modelsteward.registry.store.interface import Store

if TYPE_CHECKING:
    from modelsteward.vulns import SlaEntry


class RegistryService:
    """The registry's operations. Writes raise ``StoreError`` when the database fails."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def close(self) -> None:
        """Release database connections."""
        self.store.close()

    @property
    def actors(self) -> ActorDirectory:
        """Actors identified by token."""
        return ActorDirectory(self.store)

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
            existing = tx.model_by_name(name)
            if existing is None:
                model = tx.insert_model(name=name, source=source, revision=revision, files=files)
                tx.append_audit(actor, "model.added", {**model_facts(model), "files": dict(files)})
                return model
            if existing.manifest_digest == manifest_digest(files):
                return existing
            tx.replace_manifest(existing.id, source=source, revision=revision, files=files)
            model = must_exist(tx.model(existing.id), existing.id)
            tx.append_audit(
                actor,
                "model.manifest-changed",
                {
                    **model_facts(model),
                    "previous_digest": existing.manifest_digest,
                    "files": dict(files),
                },
            )
            return model

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
        parsed = parse_decision(decision)
        roles = tuple(Role.parse(r) for r in required_roles)
        with self.store.write() as tx:
            model = find_model(tx, model_id)
            record = tx.insert_passport(
                model_id=model.id,
                manifest_digest=model.manifest_digest,
                passport=passport,
                decision=parsed,
                required_roles=roles,
                reasons=reasons,
                actor=actor,
            )
            tx.set_status(model.id, approvals.status_for(record))
            tx.append_audit(
                actor,
                "passport.recorded",
                {
                    "model_id": model.id,
                    "name": model.name,
                    "version": record.version,
                    "manifest_digest": model.manifest_digest,
                    "decision": parsed.value,
                    "required_roles": [r.value for r in roles],
                    "reasons": list(reasons),
                    "passport_sha256": sha256_text(canonical_json(dict(passport))),
                },
            )
            return record

    def request_approval(self, model_id: int | str, requester: str) -> ApprovalRequest:
        """Ask the required reviewers to sign the current passport (idempotent).

        Raises:
            NotFoundError: when the model does not exist.
            RegistryError: when it has no passport for its current files.
            ApprovalError: when the policy rejected it.
        """
        with self.store.write() as tx:
            model = find_model(tx, model_id)
            req, created = approvals.open_request(tx, model, requester)
            if created:
                tx.append_audit(requester, "approval.requested", request_facts(model, req))
            return req

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

        They may when every hash belongs to the current manifest of one approved model;
        paths are not compared, contents are.
        """
        hashes = {h.lower() for h in files.values()}
        if not hashes:
            return ApprovalStatus(approved=False, model=None, reason="no files were given")
        with self.store.read() as tx:
            candidates = [
                m
                for m in tx.models_with_file(min(hashes))
                if hashes <= set(tx.files(m.id).values())
            ]
            if not candidates:
                return ApprovalStatus(
                    approved=False, model=None, reason="no registered model has these files"
                )
            for model in candidates:
                if model.status is ModelStatus.APPROVED:
                    return ApprovalStatus(
                        approved=True,
                        model=model.name,
                        model_id=model.id,
                        reason=approvals.explain(tx, model),
                    )
            model = candidates[0]
            return ApprovalStatus(
                approved=False,
                model=model.name,
                model_id=model.id,
                reason=approvals.explain(tx, model),
            )

    # -- exceptions and deployments -------------------------------------------------------

    def add_exception(
        self, rule_id: str, scope: str, reason: str, owner: str, expires: date, actor: str
    ) -> ExceptionRecord:
        """Record a waiver of ``rule_id`` for ``scope`` (a model name or ``*``) until
        ``expires`` (inclusive).

        Raises:
            RegistryError: when a field is empty or the expiry is in the past.
        """
        if not (rule_id.strip() and scope.strip() and reason.strip() and owner.strip()):
            raise RegistryError(
                "an exception needs a rule id, a scope, a reason and an owner",
                hint="give --rule, --scope, --reason and --owner",
            )
        with self.store.write() as tx:
            if expires < date.fromisoformat(tx.now()[:10]):
                raise RegistryError(
                    f"exception expiry {expires.isoformat()} is in the past",
                    hint="give a future --expires date (YYYY-MM-DD)",
                )
            record = tx.insert_exception(
                rule_id=rule_id,
                scope=scope,
                reason=reason,
                owner=owner,
                expires=expires,
                actor=actor,
            )
            tx.append_audit(actor, "exception.added", record.to_dict())
            return record

    def active_exceptions(self, today: date) -> list[ExceptionRecord]:
        """Exceptions that have not expired on ``today``."""
        with self.store.read() as tx:
            return tx.exceptions(today)

    def deploy(
        self,
        model_id: int | str,
        target: str,
        engine: str,
        runtime_inventory: Sequence[Mapping[str, str]],
        actor: str,
    ) -> DeploymentRecord:
        """Record that an approved model runs on ``target`` with ``engine``.

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
        """Walk the whole chain; name the first edited, deleted or reordered entry.

        ``anchor`` is a ``(seq, hash)`` published earlier (``head_hash`` of a past run): the
        entry at ``seq`` must still carry that hash.
        """
        with self.store.audit_snapshot() as snap, closing(snap.rows()) as rows:
            return verify_chain(rows, head=snap.head, rescan=_Rescan(snap.rows), anchor=anchor)

    def audit_export(self, fh: TextIO) -> int:
        """Write the audit log as JSON lines to ``fh``; return how many entries."""
        count = 0
        with self.store.audit_snapshot() as snap:
            for line in export_lines(snap.entries()):
                fh.write(line)
                count += 1
        return count


class _Rescan:
    """A re-iterable view over the stored rows, for the rare second pass on a fault."""

    def __init__(self, rows: Callable[[], Generator[AuditRowTuple, None, None]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[AuditRowTuple]:
        with closing(self._rows()) as rows:
            yield from rows
