"""``Catalog``: the registry's read side for people: paged, filtered listings and the
counts a dashboard draws. Every method reads in one transaction and changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from modelsteward.registry.facts import find_model
from modelsteward.registry.records import (
    ApprovalRequest,
    AuditEntry,
    DecisionRecord,
    DeploymentRecord,
    ExceptionRecord,
    ModelQuery,
    ModelRecord,
    NotFoundError,
    PassportRecord,
    Role,
)
from modelsteward.registry.store.interface import Store

if TYPE_CHECKING:
    from modelsteward.vulns import SlaEntry

T = TypeVar("T")

Counts = tuple[dict[int | None, int], dict[str, int], list[tuple[str, bool, int]]]
"""Models per worst severity, models per status, and signatures per day and verdict."""

MAX_PAGE = 200
"""The largest page any listing returns."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    """One page of a listing."""

    items: tuple[T, ...]
    total: int
    """How many items match in all."""
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True, slots=True, kw_only=True)
class PassportView:
    """A model with one of its passport versions and the list of all versions."""

    model: ModelRecord
    passport: PassportRecord | None
    """The version asked for (the newest by default); None before the first vet."""
    versions: tuple[tuple[int, str, str], ...]
    """``(version, decision, created_at)`` of every version, oldest first."""
    files: dict[str, str]
    """The model's current manifest (relpath -> sha256)."""
    requests: tuple[ApprovalRequest, ...]
    deployments: tuple[DeploymentRecord, ...]


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


class Catalog:
    """Listings over one registry store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def models(self, query: ModelQuery) -> Page[ModelRecord]:
        """The models matching ``query``, newest first."""
        limit = _limit(query.limit)
        with self._store.read() as tx:
            items, total = tx.search_models(
                ModelQuery(
                    text=query.text,
                    status=query.status,
                    decision=query.decision,
                    license_family=query.license_family,
                    min_severity=query.min_severity,
                    deployment=query.deployment,
                    limit=limit,
                    offset=max(0, query.offset),
                )
            )
        return Page(items=tuple(items), total=total, limit=limit, offset=max(0, query.offset))

    def passport(self, ref: int | str, version: int | None = None) -> PassportView:
        """A model's passport at ``version`` (the newest when None).

        Raises:
            NotFoundError: when the model or that version does not exist.
        """
        with self._store.read() as tx:
            model = find_model(tx, ref)
            passports = tx.passports(model.id)
            versions = tuple((p.version, p.decision.value, p.created_at) for p in passports)
            chosen = passports[-1] if passports and version is None else None
            if version is not None:
                chosen = next((p for p in passports if p.version == version), None)
                if chosen is None:
                    raise NotFoundError(
                        f"{model.name} has no passport version {version}",
                        hint=f"versions: {', '.join(str(v[0]) for v in versions) or 'none'}",
                    )
            return PassportView(
                model=model,
                passport=chosen,
                versions=versions,
                files=tx.files(model.id),
                requests=tuple(tx.requests(model.id)),
                deployments=tuple(tx.deployments(model.id)),
            )

    def passport_pair(
        self, ref: int | str, old: int, new: int
    ) -> tuple[ModelRecord, PassportRecord, PassportRecord]:
        """Two passport versions of one model, to compare.

        Raises:
            NotFoundError: when the model or a version does not exist.
        """
        with self._store.read() as tx:
            model = find_model(tx, ref)
            pair = tx.passport(model.id, old), tx.passport(model.id, new)
        if pair[0] is None or pair[1] is None:
            missing = old if pair[0] is None else new
            raise NotFoundError(
                f"{model.name} has no passport version {missing}", hint="pick listed versions"
            )
        return model, pair[0], pair[1]

    def approval_queue(
        self, roles: Sequence[Role] | None, *, limit: int = 50, offset: int = 0
    ) -> Page[tuple[ModelRecord, ApprovalRequest]]:
        """Pending requests that still apply and name one of ``roles`` (all when None)."""
        limit = _limit(limit)
        with self._store.read() as tx:
            items, total = tx.approval_queue(roles, limit, max(0, offset))
        return Page(items=tuple(items), total=total, limit=limit, offset=max(0, offset))

    def decision_queue(
        self, roles: Sequence[Role] | None, *, limit: int = 50, offset: int = 0
    ) -> Page[DecisionRecord]:
        """Pending selection and contribution decisions naming one of ``roles`` (all when
        None), oldest first."""
        limit = _limit(limit)
        with self._store.read() as tx:
            items, total = tx.decision_queue(roles, limit, max(0, offset))
        return Page(items=tuple(items), total=total, limit=limit, offset=max(0, offset))

    def exceptions(self) -> list[ExceptionRecord]:
        """Every exception in every state, with its signatures, oldest first."""
        with self._store.read() as tx:
            return tx.exceptions()

    def deployments(
        self, *, limit: int = 50, offset: int = 0
    ) -> Page[tuple[DeploymentRecord, str]]:
        """Deployments with their model's name, newest first."""
        limit = _limit(limit)
        with self._store.read() as tx:
            items, total = tx.deployment_page(limit, max(0, offset))
        return Page(items=tuple(items), total=total, limit=limit, offset=max(0, offset))

    def audit(
        self, *, before: int | None = None, limit: int = 50, action: str | None = None
    ) -> Page[AuditEntry]:
        """Audit entries newest first, below seq ``before``; ``action`` is one action or
        a family ending in a dot (``approval.``)."""
        limit = _limit(limit)
        with self._store.read() as tx:
            items = tx.audit_page(before=before, limit=limit, action=action)
            total = tx.audit_length()
        return Page(items=tuple(items), total=total, limit=limit, offset=0)

    def sla_clocks(self, deployments: Sequence[str]) -> list[SlaEntry]:
        """The SLA clocks of these deployments (an indexed read, for one model's page)."""
        if not deployments:
            return []
        with self._store.read() as tx:
            return tx.sla_entries(deployments)

    def facets(self) -> tuple[list[str], list[str]]:
        """The license families and deployment targets to filter by."""
        with self._store.read() as tx:
            return tx.facets()

    def counts(
        self, since: str
    ) -> tuple[dict[int | None, int], dict[str, int], list[tuple[str, bool, int]]]:
        """Models per worst severity, models per status, and ``(day, approve, count)`` of
        the signatures given since ``since`` (an ISO date)."""
        with self._store.read() as tx:
            return tx.severity_counts(), tx.status_counts(), tx.verdicts_per_day(since)
