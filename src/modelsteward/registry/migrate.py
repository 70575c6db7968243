"""Bring a registry database to the newest schema with alembic, configured in code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from modelsteward.registry.store.sql import SqlStore

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The alembic script directory shipped inside the package."""


def alembic_config() -> Config:
    """An alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(store: SqlStore) -> None:
    """Apply every migration the database lacks; concurrent callers wait for each other.

    Raises:
        StoreError: when the database cannot be reached or migrated.
    """
    config = alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with store.read() as tx:
        current = MigrationContext.configure(tx.connection).get_current_revision()
    if current == head:
        return
    with store.migration_connection() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
