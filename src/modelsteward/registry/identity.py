"""Actors identified by token: enrolment by an admin, authentication, revocation.

Only the SHA-256 of a token is stored. Once a registry has enrolled actors, its command
line asks for a token instead of trusting ``--as``. The first actor enrolled must be an
admin; after that only an authenticated admin enrolls or revokes.
"""

from __future__ import annotations

import hashlib
import secrets

from modelsteward.registry.chaincache import CHAIN_CACHE, ChainCache
from modelsteward.registry.drift import actor_drift
from modelsteward.registry.records import Actor, ApprovalError, Role
from modelsteward.registry.store.interface import Store

TOKEN_PREFIX = "mst_"  # noqa: S105 (a prefix, not a secret)
"""Tokens start with this, so that secret scanners can recognise them."""


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


class ActorDirectory:
    """Enrolled actors of one registry."""

    def __init__(self, store: Store, chain: ChainCache = CHAIN_CACHE) -> None:
        self._store = store
        self._chain = chain

    def required(self) -> bool:
        """Whether actors must present a token (some are enrolled)."""
        with self._store.read() as tx:
            return tx.count_actors() > 0

    def authenticate(self, token: str) -> Actor:
        """The actor holding ``token``.

        Raises:
            ApprovalError: when the token is unknown or revoked, or the actor's tokens
                disagree with the enrolments the audit chain recorded.
        """
        with self._store.read() as tx:
            actor = tx.actor_by_token(token_digest(token))
        if actor is None:
            raise ApprovalError(
                "the token is unknown or revoked",
                hint="ask a registry admin to enroll you: modelsteward registry actor add",
            )
        # A token row written behind the service (no enrolment in the chain) names nobody.
        with self._chain.hold(self._store) as held:
            trusted = held.verification.intact and not actor_drift(held.tx, held.ledger, str(actor))
        if not trusted:
            raise ApprovalError(
                f"the tokens of {actor} disagree with the audit chain; none is trusted",
                hint="run modelsteward registry audit verify and restore the actors table",
            )
        return actor

    def by_digest(self, token_sha256: str) -> Actor | None:
        """The enrolled, unrevoked actor whose token hashes to ``token_sha256``."""
        with self._store.read() as tx:
            return tx.actor_by_token(token_sha256)

    def enroll(self, actor: Actor, *, by: Actor | None) -> str:
        """Enroll ``actor`` and return its new token (shown once, stored hashed).

        Raises:
            ApprovalError: when ``by`` is not an admin, or the first actor is not an admin.
        """
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._store.write() as tx:
            if tx.count_actors() == 0:
                if actor.role is not Role.ADMIN:
                    raise ApprovalError(
                        "the first enrolled actor must be an admin",
                        hint="enroll an admin first: registry actor add NAME --role admin",
                    )
                who = by.name if by else actor.name
            else:
                who = _admin(by).name
            tx.insert_actor(actor, token_digest(token))
            tx.append_audit(who, "actor.enrolled", {"name": actor.name, "role": actor.role.value})
        return token

    def revoke(self, actor: Actor, *, by: Actor | None) -> int:
        """Revoke every token of ``actor``; return how many.

        Raises:
            ApprovalError: when ``by`` is not an admin.
        """
        admin = _admin(by)
        with self._store.write() as tx:
            count = tx.revoke_actor(actor)
            if count:
                payload = {"name": actor.name, "role": actor.role.value, "tokens": count}
                tx.append_audit(admin.name, "actor.revoked", payload)
            return count


def _admin(by: Actor | None) -> Actor:
    if by is None or by.role is not Role.ADMIN:
        raise ApprovalError(
            "only an authenticated admin enrolls or revokes actors",
            hint="pass an admin's --token (or MODELSTEWARD_TOKEN)",
        )
    return by
