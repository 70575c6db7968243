"""The reviewer dashboard and the registry's HTTP API: ``create_app(WebOptions(...))``."""

from __future__ import annotations

from modelsteward.web.app import create_app
from modelsteward.web.state import WebOptions

__all__ = ["WebOptions", "create_app"]
