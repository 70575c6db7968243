"""``modelsteward keys create|list|revoke``: the gateway's API keys, with per-key usage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.state import CliState, get_state
from modelsteward.errors import ConfigError, UsageError
from modelsteward.findings import Report, Skipped
from modelsteward.gateway.config import read_gateway_yaml
from modelsteward.gateway.keystore import StoredKey, create_key, load_keys, revoke_key, save_keys
from modelsteward.report import SummaryTable

DEFAULT_KEYS = Path("gateway-keys.yaml")

KeysOpt = Annotated[
    Path | None,
    typer.Option(
        "--keys",
        metavar="FILE",
        help="The key file (default: keys_file of --config, else gateway-keys.yaml).",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", metavar="FILE", help="Gateway YAML: its keys_file and audit log."
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``keys`` group."""
    group = typer.Typer(
        name="keys", help="Create, list and revoke gateway API keys.", no_args_is_help=True
    )
    group.command("create")(create)
    group.command("list")(list_keys)
    group.command("revoke")(revoke)
    app.add_typer(group)


def _from_config(config: Path | None) -> tuple[Path | None, Path | None]:
    """``keys_file`` and the JSON-lines audit path named by a gateway config, resolved
    against its folder (read without validating the models, which need not exist here)."""
    if config is None:
        return None, None
    raw = read_gateway_yaml(config)
    if not isinstance(raw, dict):
        raise ConfigError(f"{config} must be a mapping", hint="see docs/gateway.md")

    def resolve(value: object) -> Path | None:
        if not isinstance(value, str) or not value:
            return None
        path = Path(value)
        return path if path.is_absolute() else config.parent / path

    audit = raw.get("audit")
    return resolve(raw.get("keys_file")), resolve(
        audit.get("path") if isinstance(audit, dict) else None
    )


def _key_file(keys: Path | None, config: Path | None) -> Path:
    configured, _ = _from_config(config)
    if keys is not None:
        return keys
    if config is not None and configured is None:
        raise UsageError(
            f"{config} names no keys_file:",
            hint="add keys_file: gateway-keys.yaml to it, or pass --keys FILE",
        )
    return configured or DEFAULT_KEYS


def _limits(key: StoredKey) -> str:
    parts = [f"{name} {value}" for name, value in (("rpm", key.rpm), ("tpm", key.tpm),
             ("daily", key.daily_tokens)) if value is not None]  # fmt: skip
    return ", ".join(parts) or "-"


def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The key's name (a team or an application).")],
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", metavar="NAME", help="Allow this model (repeatable; default all)."
        ),
    ] = None,
    rpm: Annotated[int | None, typer.Option(min=1, help="Requests per minute.")] = None,
    tpm: Annotated[int | None, typer.Option(min=1, help="Tokens per minute.")] = None,
    daily_tokens: Annotated[int | None, typer.Option(min=1, help="Tokens per day.")] = None,
    keys: KeysOpt = None,
    config: ConfigOpt = None,
) -> int:
    """Make a key; its secret is printed once, the file keeps only its SHA-256.

    Examples:

      modelsteward keys create team-search --model stories --rpm 60

      modelsteward keys create ci-bot --config gateway.yaml --format json
    """
    state = get_state(ctx)
    path = _key_file(keys, config)
    secret, updated = create_key(
        load_keys(path),
        name,
        models=tuple(models or ("*",)),
        rpm=rpm,
        tpm=tpm,
        daily_tokens=daily_tokens,
    )
    save_keys(path, updated)
    record = updated[-1]
    state.log(f"created key {name!r} in {path}; the secret is shown only now")
    state.log("restart the gateway (or start it with keys_file: pointing here) to use it")
    table = SummaryTable(
        title=f"key {name}",
        columns=("field", "value"),
        rows=(
            ("secret", secret),
            ("models", ", ".join(record.models)),
            ("limits", _limits(record)),
            ("file", str(path)),
        ),
    )
    sections = {"key": {**record.to_dict(), "secret": secret, "file": str(path)}}
    return state.emit("keys create", Report(), sections=sections, summary=(table,))


def list_keys(
    ctx: typer.Context,
    keys: KeysOpt = None,
    config: ConfigOpt = None,
    audit: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Audit log (JSON lines) to count usage from (default: --config's)."
        ),
    ] = None,
    show_revoked: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> int:
    """List keys with their limits and usage read from the gateway's audit log.

    Examples:

      modelsteward keys list --config gateway.yaml

      modelsteward keys list --keys gateway-keys.yaml --audit audit.jsonl --format json
    """
    from modelsteward.gateway.usage import KeyUsage, usage_by_key

    state = get_state(ctx)
    path = _key_file(keys, config)
    _, configured_audit = _from_config(config)
    log = audit or configured_audit
    stored = [k for k in load_keys(path) if show_revoked or k.active]
    usage: dict[str, KeyUsage] = {}
    unreadable = 0
    if log is not None:
        try:
            usage, unreadable = usage_by_key(log)
        except OSError as exc:
            raise UsageError(f"cannot read {log}: {exc.strerror}", hint="check --audit") from exc
    skipped: tuple[Skipped, ...] = ()
    if unreadable:
        skipped = (Skipped(str(log), f"{unreadable} lines are not audit records"),)
    rows: list[tuple[str, ...]] = []
    items = []
    none = "0" if log else "-"
    for key in stored:
        used = usage.get(key.name)
        rows.append(
            (
                key.name,
                key.prefix + "…" if key.prefix else "-",
                ", ".join(key.models),
                _limits(key),
                key.created or "-",
                key.revoked or "active",
                str(used.requests) if used else none,
                str(used.prompt_tokens + used.completion_tokens) if used else none,
                str(used.to_dict()["last_used"] or "-") if used else "-",
            )
        )
        items.append({**key.to_dict(), "usage": used.to_dict() if used else None})
    title = f"keys in {path}" if stored else f"no keys in {path}"
    if log is None:
        title += " (usage: pass --audit FILE or --config)"
    table = SummaryTable(
        title=title,
        columns=(
            "name",
            "prefix",
            "models",
            "limits",
            "created",
            "state",
            "requests",
            "tokens",
            "last used",
        ),
        rows=tuple(rows),
    )
    return state.emit(
        "keys list",
        Report(skipped=skipped),
        sections={"keys": items, "file": str(path), "audit": str(log) if log else None},
        summary=(table,),
    )


def revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The key to revoke.")],
    keys: KeysOpt = None,
    config: ConfigOpt = None,
) -> int:
    """Revoke a key: the gateway stops accepting it at its next start.

    Examples:

      modelsteward keys revoke team-search --config gateway.yaml
    """
    state = get_state(ctx)
    path = _key_file(keys, config)
    done, updated = revoke_key(load_keys(path), name)
    save_keys(path, updated)
    state.log(f"revoked key {name!r} in {path}; restart the gateway to apply it")
    return _emit_one(state, "keys revoke", done, path)


def _emit_one(state: CliState, command: str, key: StoredKey, path: Path) -> int:
    table = SummaryTable(
        title=f"key {key.name}",
        columns=("field", "value"),
        rows=(("state", "revoked " + (key.revoked or "")), ("file", str(path))),
    )
    return state.emit(command, Report(), sections={"key": key.to_dict()}, summary=(table,))
