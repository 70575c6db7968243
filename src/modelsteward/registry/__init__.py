"""The governance registry: models, versioned passports, approvals with separation of
duties, policy exceptions, deployments, vulnerability SLA clocks and a hash-chained audit
log, on SQLite (default) or PostgreSQL."""

from __future__ import annotations

from modelsteward.registry.chaincache import ChainCache
from modelsteward.registry.identity import ActorDirectory
from modelsteward.registry.records import (
    Actor,
    ApprovalError,
    ApprovalRequest,
    ApprovalStatus,
    AuditEntry,
    AuditFault,
    AuditVerification,
    Decision,
    DeploymentRecord,
    Drift,
    ExceptionRecord,
    ExceptionState,
    ModelDetail,
    ModelRecord,
    ModelStatus,
    NotFoundError,
    PassportRecord,
    RegistryError,
    RequestState,
    Role,
    Signature,
    manifest_digest,
)
from modelsteward.registry.service import RegistryService
from modelsteward.registry.sla import RegistrySlaState
from modelsteward.registry.store.interface import Store, StoreError


def open_registry(
    dsn: str,
    *,
    create: bool = True,
    audit_key: bytes | None = None,
    chain_cache: ChainCache | None = None,
) -> RegistryService:
    """Open (creating and migrating as needed) the registry at ``dsn``.

    ``dsn`` is ``sqlite:///PATH`` or ``postgresql://USER@HOST:PORT/DB``. Read-only callers
    pass ``create=False``: a SQLite registry that does not exist is then an error, and no
    file or directory is made. With ``audit_key`` (kept outside the database) every write
    signs a checkpoint of the chain head, and verification requires the head signed.
    ``chain_cache`` keeps the replayed audit chain (default: the process's own).

    Raises:
        StoreError: when the DSN is unsupported, the database cannot be reached or
            migrated, or (without ``create``) does not exist; the hint says what to check.
    """
    from modelsteward.registry.migrate import upgrade
    from modelsteward.registry.store.sql import SqlStore

    store = SqlStore(dsn, create=create, audit_key=audit_key)
    try:
        upgrade(store)
    except BaseException:
        store.close()
        raise
    return RegistryService(store, audit_key=audit_key, chain_cache=chain_cache)


__all__ = [
    "Actor",
    "ActorDirectory",
    "ApprovalError",
    "ApprovalRequest",
    "ApprovalStatus",
    "AuditEntry",
    "AuditFault",
    "AuditVerification",
    "Decision",
    "DeploymentRecord",
    "Drift",
    "ExceptionRecord",
    "ExceptionState",
    "ModelDetail",
    "ModelRecord",
    "ModelStatus",
    "NotFoundError",
    "PassportRecord",
    "RegistryError",
    "RegistryService",
    "RegistrySlaState",
    "RequestState",
    "Role",
    "Signature",
    "Store",
    "StoreError",
    "manifest_digest",
    "open_registry",
]
