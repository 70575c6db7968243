"""What ``serve`` tells its operator: the start banner and the access log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelsteward.cli.state import CliState
from modelsteward.gateway.approval import ModelStatus
from modelsteward.gateway.config import GatewayConfig


def banner_lines(
    config: GatewayConfig, statuses: dict[str, ModelStatus], address: str, access: Path | None
) -> list[str]:
    """The start banner: where it listens, what it serves, what it refused and why."""
    served = [m for m in config.models if statuses.get(m.name, _UNKNOWN).approved]
    refused = [m for m in config.models if not statuses.get(m.name, _UNKNOWN).approved]
    lines = [f"modelsteward gateway listening on {address}/v1"]
    for model in served:
        lines.append(
            f"  serving  {model.name} ({model.engine.value}, safety {model.safety.value}, "
            f"{model.exposure.value})"
        )
    for model in refused:
        lines.append(f"  refused  {model.name}: {statuses.get(model.name, _UNKNOWN).reason}")
    if not served:
        lines.append("  no model is served: every request will get 404 until one is approved")
    keys = len(config.keys)
    lines.append(f"  keys: {keys} configured" if keys else "  keys: none (loopback only, no auth)")
    where = "stderr" if access is not None and str(access) == "-" else access
    lines.append(f"  access log: {where}" if access is not None else "  access log: off")
    if config.audit_path is not None:
        lines.append(f"  audit log: {config.audit_path}")
    return lines


_UNKNOWN = ModelStatus(False, "not checked")


def with_banner(server_cls: type[Any], announce: Callable[[str], None]) -> type[Any]:
    """``server_cls`` (a uvicorn ``Server``) that calls ``announce(address)`` once it has
    bound its socket (so a port 0 shows the port it got)."""

    class AnnouncingServer(server_cls):  # type: ignore[misc]
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if not self.started or self.should_exit:
                return
            host, port = self.config.host, self.config.port
            for server in getattr(self, "servers", ()):
                for sock in server.sockets:
                    host, port = sock.getsockname()[:2]
                    break
            shown = f"[{host}]" if ":" in str(host) else host
            announce(f"http://{shown}:{port}")

    return AnnouncingServer


def announce_to(state: CliState, config: GatewayConfig, app: Any) -> Callable[[str], None]:
    """The banner printer for ``app`` (its gateway holds the model statuses)."""

    def announce(address: str) -> None:
        gateway = getattr(app.state, "gateway", None)
        statuses = getattr(gateway, "statuses", {}) if gateway is not None else {}
        for line in banner_lines(config, statuses, address, config.access_log):
            state.log(line)

    return announce


def wrap_access_log(app: Any, config: GatewayConfig) -> tuple[Any, Any]:
    """``app`` behind the access-log middleware when the configuration asks for one, and
    the writer to close at exit (None without a log)."""
    if config.access_log is None:
        return app, None
    from modelsteward.gateway.access_log import AccessLog, AccessLogWriter

    writer = AccessLogWriter(config.access_log)

    def key_name(digest: str) -> str | None:
        gateway = getattr(app.state, "gateway", None)
        if gateway is None or not gateway.keys:
            return None
        key = gateway.key_for(digest)
        return key.name if key is not None else None

    return AccessLog(app, writer, key_name), writer
