"""Settings, read once at the edges (the CLI and the gateway) and passed down as arguments.

Sources, highest priority first: keyword arguments, ``MODELSTEWARD_*`` environment variables,
``modelsteward.toml`` in the working directory, ``[tool.modelsteward]`` in ``pyproject.toml``
in the working directory, then the defaults below. Nested fields use ``__`` in environment
variables (``MODELSTEWARD_SCAN__MAX_FILE_BYTES``).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    PyprojectTomlConfigSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from modelsteward.config_sources import ENV_PREFIX, PYPROJECT_TABLE, TOML_FILE
from modelsteward.errors import ConfigError
from modelsteward.findings import Severity


def is_loopback(host: str) -> bool:
    """Whether a listen address is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_data_dir() -> Path:
    """The per-user data directory where the registry and advisory database live."""
    return Path(platformdirs.user_data_dir("modelsteward", appauthor=False))


class ScanSettings(BaseModel):
    """Limits and allowlist additions for the model-file scanner."""

    max_file_bytes: int = 64 * 1024**3
    """Files larger than this are skipped with a reason."""
    max_pickle_bytes: int = 2 * 1024**3
    """Pickle streams larger than this are a finding, not parsed."""
    max_pickle_ops: int = 50_000_000
    """Opcode budget per pickle stream."""
    max_archive_members: int = 100_000
    max_archive_ratio: float = 200.0
    """Compression ratio above which an archive member is treated as a bomb."""
    max_unpacked_bytes: int = 16 * 1024**3
    timeout_s: float = 120.0
    """Wall-time bound of one reader on one file."""
    max_reader_bytes: int = 2 * 1024**3
    """New private memory one reader may allocate for one file."""
    allow_globals: list[str] = Field(default_factory=list)
    """Tier-2 allowlist: exact ``module.name`` callables the organisation trusts."""
    strict: bool = False
    """Binaries of a format no scanner reads fail the scan (``high``) instead of ``info``."""


class Settings(BaseSettings):
    """Everything configurable. Build it with ``load_settings``; never at import time."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="ignore",
        toml_file=TOML_FILE,
        pyproject_toml_table_header=PYPROJECT_TABLE,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    registry: str | None = None
    """Registry DSN (``sqlite:///...`` or ``postgresql://...``); default is a SQLite file in
    ``data_dir``."""
    actor: str | None = None
    """Who acts on the registry, as ``NAME:ROLE``, when a command gets no ``--as``."""
    token: str | None = None
    """The registry token that identifies the actor (``--token``)."""
    audit_key: str | None = None
    """The secret that signs checkpoints of the registry's audit chain head
    (``MODELSTEWARD_AUDIT_KEY``); keep it out of the database and its backups."""
    audit_key_file: Path | None = None
    """A file holding that secret, instead of ``audit_key``."""
    web_secret: str | None = None
    """Signs the web app's session cookies; sessions survive restarts and span several
    workers only when it is set (otherwise a random key per process)."""
    advisory_db: Path | None = None
    """Advisory database directory; default ``data_dir/osv``."""
    fail_on: str = "high"
    """The severity at which a finding fails a command (``--fail-on`` overrides it)."""
    api_key: str | None = None
    """The gateway's quick-start key."""
    redis_url: str | None = None
    offline: bool = False
    """Never touch the network (the Hugging Face Hub, OSV downloads)."""
    hub_endpoint: str | None = None
    """The Hugging Face Hub (or a mirror) that ``--online`` asks; default huggingface_hub's
    (``HF_ENDPOINT``, else https://huggingface.co)."""
    scan: ScanSettings = Field(default_factory=ScanSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls),
            PyprojectTomlConfigSettingsSource(settings_cls),
        )

    @field_validator("fail_on")
    @classmethod
    def _known_severity(cls, value: str) -> str:
        try:
            return Severity.parse(value).label
        except ValueError:
            raise ValueError(
                f"{value!r} is not a severity (use info, low, medium, high or critical)"
            ) from None

    @property
    def fail_on_severity(self) -> Severity:
        """``fail_on`` as a ``Severity``."""
        return Severity.parse(self.fail_on)

    @property
    def fail_on_configured(self) -> bool:
        """Whether a source (environment, ``modelsteward.toml``, ``pyproject.toml``) set
        ``fail_on``, rather than the default."""
        return "fail_on" in self.model_fields_set

    def audit_key_bytes(self) -> bytes | None:
        """The checkpoint key, from ``audit_key`` or ``audit_key_file``; None when unset.

        Raises:
            ConfigError: when the key file cannot be read or is empty.
        """
        if self.audit_key:
            return self.audit_key.encode("utf-8")
        if self.audit_key_file is None:
            return None
        try:
            key = self.audit_key_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the audit key file {self.audit_key_file}: {exc.strerror or exc}",
                hint="check audit_key_file / MODELSTEWARD_AUDIT_KEY_FILE",
            ) from exc
        if not key:
            raise ConfigError(
                f"the audit key file {self.audit_key_file} is empty",
                hint="write a long random secret into it",
            )
        return key

    @property
    def registry_dsn(self) -> str:
        """The registry DSN, defaulting to a SQLite file in the data directory."""
        if self.registry:
            return self.registry
        return f"sqlite:///{self.data_dir / 'registry.db'}"

    @property
    def advisory_db_path(self) -> Path:
        """Where the compact advisory index lives."""
        return self.advisory_db or self.data_dir / "osv"


def load_settings(**overrides: object) -> Settings:
    """Build the settings from all sources, with ``overrides`` on top.

    Raises:
        ConfigError: when a source holds an invalid value.
    """
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"invalid setting {where}: {first['msg']}",
            hint="check MODELSTEWARD_* variables, modelsteward.toml and [tool.modelsteward]",
        ) from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read configuration: {exc}",
            hint="fix or remove modelsteward.toml / [tool.modelsteward] in pyproject.toml",
        ) from exc
