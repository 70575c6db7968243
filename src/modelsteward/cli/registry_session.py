"""The registry a command works on and who acts in it: ``--registry`` or the configured
DSN, and ``--token`` or ``--as`` (or ``MODELSTEWARD_TOKEN`` / ``MODELSTEWARD_ACTOR``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from modelsteward.cli.state import CliState
from modelsteward.errors import UsageError
from modelsteward.registry import Actor, RegistryService, open_registry


@contextmanager
def open_service(
    state: CliState, dsn: str | None, *, create: bool = False
) -> Iterator[RegistryService]:
    """The registry at ``--registry``, else the configured one; closed afterwards.

    Only writers pass ``create``: a read-only command never creates a registry.
    """
    service = open_registry(
        dsn or state.settings.registry_dsn,
        create=create,
        audit_key=state.settings.audit_key_bytes(),
    )
    try:
        yield service
    finally:
        service.close()


def actor_of(state: CliState, text: str | None) -> Actor:
    """The actor from ``--as``, else from ``MODELSTEWARD_ACTOR``.

    Raises:
        UsageError: when neither names one.
    """
    value = text or state.settings.actor
    if not value:
        raise UsageError(
            "this command needs to know who acts",
            hint="give --as NAME:ROLE (or set MODELSTEWARD_ACTOR)",
        )
    return Actor.parse(value)


@contextmanager
def acting(
    state: CliState, dsn: str | None, as_: str | None, token: str | None
) -> Iterator[tuple[RegistryService, Actor]]:
    """The open registry and who acts: the token's actor when a token is given (or the
    registry enrolls actors), else ``--as``."""
    with open_service(state, dsn, create=True) as service:
        yield service, resolve_actor(state, service, as_, token)


def resolve_actor(
    state: CliState, service: RegistryService, as_: str | None, token: str | None
) -> Actor:
    """Authenticate ``token`` (or ``MODELSTEWARD_TOKEN``); without one, trust ``--as``
    unless the registry has enrolled actors.

    Raises:
        UsageError: when no identity is given, or ``--as`` contradicts the token.
        ApprovalError: when the token is unknown or revoked.
    """
    secret = token or state.settings.token
    if secret:
        actor = service.actors.authenticate(secret)
        if as_ and Actor.parse(as_) != actor:
            raise UsageError(
                f"--as {as_} does not match the token, which is {actor}",
                hint="drop --as: the token says who acts",
            )
        return actor
    if service.actors.required():
        raise UsageError(
            "this registry identifies actors by token",
            hint="give --token (or set MODELSTEWARD_TOKEN); ask an admin to enroll you",
        )
    return actor_of(state, as_)
