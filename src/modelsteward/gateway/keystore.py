"""The gateway's key file: API keys made by ``modelsteward keys``, stored only as SHA-256.

The gateway configuration names the file (``keys_file:``); its active keys join the
configuration's own ``keys:`` at start-up. A key's secret is shown once, when it is
created; the file keeps its hash, a short prefix to recognise it, its limits, and when it was
created and revoked. Revoked keys stay in the file (so their usage can still be read) but
are never loaded. Writes replace the file atomically.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import yaml

from modelsteward.errors import ConfigError

KEY_PREFIX = "sk-ms-"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HINT = "the file is written by `modelsteward keys create`; see docs/gateway.md"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredKey:
    """One key as the file keeps it."""

    name: str
    sha256: str
    prefix: str
    """The secret's first characters, enough to tell keys apart in a list."""
    models: tuple[str, ...] = ("*",)
    rpm: int | None = None
    tpm: int | None = None
    daily_tokens: int | None = None
    created: str = ""
    revoked: str | None = None

    @property
    def active(self) -> bool:
        """Whether the gateway loads this key."""
        return self.revoked is None

    def to_dict(self) -> dict[str, object]:
        """The file's (and JSON output's) form, never the secret."""
        out = asdict(self)
        out["models"] = list(self.models)
        return out


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest under which a key is stored (the gateway compares these)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def load_keys(path: Path) -> list[StoredKey]:
    """Read the key file; a missing file holds no keys.

    Raises:
        ConfigError: when the file cannot be read or is malformed.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}", hint=_HINT) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML", hint=_HINT) from exc
    items = (data or {}).get("keys", []) if isinstance(data, dict | None) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path}: keys: must be a list", hint=_HINT)
    out: list[StoredKey] = []
    for item in items:
        out.append(_parse(item, path))
    return out


def _parse(item: object, path: Path) -> StoredKey:
    if not isinstance(item, dict):
        raise ConfigError(f"{path}: every key must be a mapping", hint=_HINT)
    name, digest = item.get("name"), item.get("sha256")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{path}: a key has no valid name", hint=_HINT)
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ConfigError(f"{path}: key {name!r} has no valid sha256", hint=_HINT)
    models = item.get("models") or ["*"]
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise ConfigError(f"{path}: key {name!r}: models must be a list of names", hint=_HINT)
    limits: dict[str, int | None] = {}
    for limit in ("rpm", "tpm", "daily_tokens"):
        value = item.get(limit)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ConfigError(f"{path}: key {name!r}: {limit} must be >= 1", hint=_HINT)
        limits[limit] = value
    revoked = item.get("revoked")
    return StoredKey(
        name=name,
        sha256=digest,
        prefix=str(item.get("prefix") or ""),
        models=tuple(models),
        created=str(item.get("created") or ""),
        revoked=None if revoked is None else str(revoked),
        **limits,
    )


def save_keys(path: Path, keys: list[StoredKey]) -> None:
    """Replace the key file atomically (owner-only permissions).

    Raises:
        ConfigError: when the file cannot be written.
    """
    body = {"keys": [k.to_dict() for k in keys]}
    text = (
        "# API keys of the modelsteward gateway, written by `modelsteward keys`.\n"
        "# Only SHA-256 hashes are stored; a key's secret was shown once, when created.\n"
        + yaml.safe_dump(body, sort_keys=False)
    )
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(path)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path}: {exc.strerror or exc}", hint="choose a writable --keys path"
        ) from exc


def create_key(
    keys: list[StoredKey],
    name: str,
    *,
    models: tuple[str, ...] = ("*",),
    rpm: int | None = None,
    tpm: int | None = None,
    daily_tokens: int | None = None,
    now: datetime | None = None,
) -> tuple[str, list[StoredKey]]:
    """A new secret and the key list with its record appended.

    Raises:
        ConfigError: when the name is invalid or an active key already has it.
    """
    if not _NAME.match(name):
        raise ConfigError(
            f"invalid key name {name!r}",
            hint="use letters, digits, '.', '_' or '-' (at most 64 characters)",
        )
    if any(k.name == name and k.active for k in keys):
        raise ConfigError(
            f"an active key is already named {name!r}",
            hint=f"revoke it first (modelsteward keys revoke {name}) or choose another name",
        )
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = StoredKey(
        name=name,
        sha256=hash_secret(secret),
        prefix=secret[: len(KEY_PREFIX) + 6],
        models=models or ("*",),
        rpm=rpm,
        tpm=tpm,
        daily_tokens=daily_tokens,
        created=stamp,
    )
    return secret, [*keys, record]


def revoke_key(
    keys: list[StoredKey], name: str, *, now: datetime | None = None
) -> tuple[StoredKey, list[StoredKey]]:
    """The revoked record and the updated list.

    Raises:
        ConfigError: when no active key has that name.
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for index, key in enumerate(keys):
        if key.name == name and key.active:
            done = replace(key, revoked=stamp)
            return done, [*keys[:index], done, *keys[index + 1 :]]
    raise ConfigError(f"no active key named {name!r}", hint="see modelsteward keys list")
