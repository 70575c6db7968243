"""Sessions and CSRF tokens for the web app.

An actor signs in with their registry token; the app then holds a session cookie that
carries the actor's name, role, the SHA-256 of the token (so a revoked token ends the
session at the next request), a CSRF secret and an expiry, signed with HMAC-SHA256. The
cookie is HttpOnly and SameSite=Strict, and Secure unless the app serves plain HTTP on a
loopback address. Forms carry the session's CSRF secret; the API takes it as a header, or a
bearer token instead of the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "ms_session"
LOGIN_COOKIE = "ms_login"
"""Holds the CSRF secret of the sign-in form, before there is a session."""
FLASH_COOKIE = "ms_flash"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """What the session cookie says about who is signed in."""

    name: str
    role: str
    token_sha256: str
    csrf: str
    expires: int
    """Unix time after which the session is void."""


class Signer:
    """Signs and checks small JSON values with one secret key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def dumps(self, value: object) -> str:
        """``value`` as ``base64(json).base64(hmac)``."""
        body = base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode())
        mac = hmac.new(self._key, body, hashlib.sha256).digest()
        return f"{body.decode()}.{base64.urlsafe_b64encode(mac).decode()}"

    def loads(self, text: str | None) -> object | None:
        """The value signed into ``text``, or None when it is missing, forged or malformed."""
        if not text or len(text) > 4096 or "." not in text:
            return None
        body, _, mac = text.partition(".")
        try:
            given = base64.urlsafe_b64decode(mac)
        except ValueError:
            return None
        expected = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(given, expected):
            return None
        try:
            value: object = json.loads(base64.urlsafe_b64decode(body))
        except ValueError:
            return None
        return value

    def session(self, text: str | None, now: float | None = None) -> Session | None:
        """The unexpired session in a cookie value."""
        data = self.loads(text)
        if not isinstance(data, dict):
            return None
        try:
            session = Session(
                name=str(data["n"]),
                role=str(data["r"]),
                token_sha256=str(data["t"]),
                csrf=str(data["c"]),
                expires=int(data["e"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return session if session.expires > (now or time.time()) else None

    def new_session(self, *, name: str, role: str, token_sha256: str, ttl_s: int) -> str:
        """A cookie value for a fresh session with a new CSRF secret."""
        return self.dumps(
            {
                "n": name,
                "r": role,
                "t": token_sha256,
                "c": secrets.token_urlsafe(24),
                "e": int(time.time()) + ttl_s,
            }
        )


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted CSRF secret with the expected one."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())
