"""What every request of the web app shares: the registry, the options, the session signer
and the audit chain's last verification."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from modelsteward.registry import Actor, AuditVerification, RegistryService, Role

READ_ROLES_AUDIT = frozenset({Role.ADMIN, Role.SECURITY, Role.LEGAL, Role.SAFETY})
"""Who reads the audit log."""
READ_ROLES_USAGE = frozenset({Role.ADMIN, Role.SECURITY})
"""Who reads gateway usage."""
SIGNING_ROLES = frozenset({Role.LEGAL, Role.SECURITY, Role.SAFETY, Role.ADMIN})


@dataclass(frozen=True, slots=True, kw_only=True)
class WebOptions:
    """How the web app runs."""

    registry_dsn: str
    secret_key: bytes
    """Signs session cookies; a random key per process unless configured."""
    anonymous_read: bool = False
    """Let visitors who are not signed in read (never write)."""
    secure_cookies: bool = True
    """Mark cookies Secure (off only for plain HTTP on a loopback address)."""
    session_ttl_s: int = 8 * 3600
    gateway_audit: Path | None = None
    """The gateway's JSON-lines audit file, for the usage page."""
    policy: Path | None = None
    """The policy YAML whose rules name the reviewers of exceptions (default: shipped)."""
    page_size: int = 50


@dataclass(slots=True)
class ChainStatus:
    """The last verification of the audit chain, refreshed in the background when the
    chain head moves, so that no page waits for a walk over the whole chain."""

    service: RegistryService
    result: AuditVerification | None = None
    checked_at: float | None = None
    head: tuple[int, str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: bool = False

    def current(self) -> tuple[AuditVerification | None, float | None, bool]:
        """The latest result, when it was taken, and whether it covers the current head
        (a fresh verification starts in the background when it does not)."""
        page = self.service.catalog.audit(limit=1)
        head = (page.total, page.items[0].hash) if page.items else (0, "")
        fresh = head == self.head and self.result is not None
        if not fresh:
            self._start()
        return self.result, self.checked_at, fresh

    def verify_now(self) -> AuditVerification:
        """Walk the whole chain now and keep the result."""
        page = self.service.catalog.audit(limit=1)
        head = (page.total, page.items[0].hash) if page.items else (0, "")
        result = self.service.audit_verify()
        with self._lock:
            self.result, self.checked_at, self.head = result, time.time(), head
        return result

    def _start(self) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True

        def run() -> None:
            try:
                self.verify_now()
            finally:
                with self._lock:
                    self._running = False

        threading.Thread(target=run, name="modelsteward-chain-verify", daemon=True).start()


@dataclass(slots=True, kw_only=True)
class Viewer:
    """Who is looking: an authenticated actor, or an anonymous reader."""

    actor: Actor | None
    csrf: str = ""
    """The session's CSRF secret ("" for bearer-token and anonymous callers)."""

    @property
    def role(self) -> Role | None:
        """The actor's role."""
        return self.actor.role if self.actor else None

    def can_sign(self) -> bool:
        """Whether the role may sign approvals (the service checks the request itself)."""
        return self.role in SIGNING_ROLES

    def can_read_audit(self) -> bool:
        """Whether the audit log is shown."""
        return self.role in READ_ROLES_AUDIT

    def can_read_usage(self) -> bool:
        """Whether gateway usage is shown."""
        return self.role in READ_ROLES_USAGE
