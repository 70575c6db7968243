"""FastAPI dependencies as ``Annotated`` aliases (all async: no thread-pool hop per request)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request

from modelsteward.gateway.config import KeyConfig
from modelsteward.gateway.schemas import GatewayError
from modelsteward.gateway.state import Gateway


async def get_gateway(request: Request) -> Gateway:
    """The app's gateway resources (set by the lifespan)."""
    gateway: Gateway = request.app.state.gateway
    return gateway


async def get_key(request: Request) -> KeyConfig:
    """The caller's key from ``Authorization: Bearer``; 401 when missing or unknown."""
    gateway: Gateway = request.app.state.gateway
    return key_from_header(gateway, request.headers.get("authorization", ""))


def key_from_header(gateway: Gateway, header: str) -> KeyConfig:
    """The key an ``Authorization`` header value names.

    Raises:
        GatewayError: 401 when the key is missing, unknown or not sent as ``Bearer``.
    """
    scheme, _, token = header.partition(" ")
    digest = hashlib.sha256(token.strip().encode()).hexdigest() if token else ""
    key = gateway.key_for(digest) if (digest or not gateway.keys) else None
    if key is None or (gateway.keys and scheme.lower() != "bearer"):
        raise GatewayError(
            401,
            "missing or invalid API key; send Authorization: Bearer <key>",
            code="invalid_api_key",
            err_type="authentication_error",
        )
    return key


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
KeyDep = Annotated[KeyConfig, Depends(get_key)]
