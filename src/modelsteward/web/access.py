"""Who is asking: a bearer token, a signed session cookie, or nobody; and what they may do.

Reads need a signed-in actor unless the anonymous read-only mode is on. Writes always need
one, and a cookie-authenticated write must carry the session's CSRF secret and come from the
app's own origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from modelsteward.policy import Policy
from modelsteward.registry import Actor, ApprovalError, RegistryService
from modelsteward.registry.identity import token_digest
from modelsteward.web.auth import CSRF_HEADER, SESSION_COOKIE, Signer, same_secret
from modelsteward.web.state import ChainStatus, Viewer, WebOptions
from modelsteward.web.views import WebError


def service_of(request: Request) -> RegistryService:
    """The app's registry service."""
    service: RegistryService = request.app.state.service
    return service


def options_of(request: Request) -> WebOptions:
    """The app's options."""
    options: WebOptions = request.app.state.options
    return options


def policy_of(request: Request) -> Policy:
    """The policy whose rules name the reviewers of exceptions."""
    policy: Policy = request.app.state.policy
    return policy


def chain_of(request: Request) -> ChainStatus:
    """The audit chain's verification status."""
    chain: ChainStatus = request.app.state.chain
    return chain


def signer_of(request: Request) -> Signer:
    """The session signer."""
    return Signer(options_of(request).secret_key)


def identify(request: Request) -> Viewer:
    """The caller, from ``Authorization: Bearer`` or the session cookie.

    Raises:
        WebError: (401) when a bearer token is unknown or revoked.
    """
    service = service_of(request)
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        try:
            return Viewer(actor=service.actors.authenticate(auth[7:].strip()))
        except ApprovalError as exc:
            raise WebError(401, exc.message, hint=exc.hint) from exc
    session = signer_of(request).session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return Viewer(actor=None)
    actor = service.actors.by_digest(session.token_sha256)
    if actor is None or (actor.name, actor.role.value) != (session.name, session.role):
        return Viewer(actor=None)  # revoked since sign-in: the session ends here
    return Viewer(actor=actor, csrf=session.csrf)


def reader(request: Request) -> Viewer:
    """A caller allowed to read.

    Raises:
        WebError: (401) when nobody is signed in and anonymous reading is off.
    """
    viewer = identify(request)
    if viewer.actor is None and not options_of(request).anonymous_read:
        raise WebError(401, "sign in first", hint="sign in with your registry token")
    return viewer


def writer(request: Request, csrf: str | None) -> tuple[Actor, Viewer]:
    """A signed-in caller allowed to change something; ``csrf`` is the submitted secret.

    Raises:
        WebError: 401 when nobody is signed in; 403 on a missing or wrong CSRF secret or a
            request from another origin.
    """
    viewer = identify(request)
    if viewer.actor is None:
        raise WebError(401, "sign in first: anonymous visitors cannot change anything")
    if viewer.csrf:  # a cookie session, not a bearer token
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
            raise WebError(403, "the request came from another site", hint="use the app's forms")
        given = csrf or request.headers.get(CSRF_HEADER)
        if not same_secret(given, viewer.csrf):
            raise WebError(
                403, "the form's CSRF token is missing or stale", hint="reload the page and retry"
            )
    return viewer.actor, viewer


def sign_in(request: Request, token: str) -> tuple[Actor, str]:
    """Authenticate a registry token; return the actor and a new session cookie value.

    Raises:
        WebError: (401) when the token is unknown or revoked.
    """
    service = service_of(request)
    try:
        actor = service.actors.authenticate(token)
    except ApprovalError as exc:
        raise WebError(401, exc.message, hint=exc.hint) from exc
    cookie = signer_of(request).new_session(
        name=actor.name,
        role=actor.role.value,
        token_sha256=token_digest(token),
        ttl_s=options_of(request).session_ttl_s,
    )
    return actor, cookie
