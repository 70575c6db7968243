"""Bring a registry database to the newest schema with alembic, configured in code.

Alembic is imported only when an upgrade is due: opening an up-to-date registry reads the
``alembic_version`` row and goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from modelsteward.registry.store.sql import SqlStore

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The alembic script directory shipped inside the package."""

HEAD_REVISION = "0006"
"""The newest migration; a test keeps it equal to the script directory's head."""


def alembic_config() -> Config:
    """An alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(store: SqlStore) -> str | None:
    """The schema revision the database is at, or None when it has no schema yet.

    Raises:
        StoreError: when the database cannot be reached.
    """
    with store.read() as tx:
        conn = tx.connection
        savepoint = conn.begin_nested()
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            savepoint.rollback()
            return None
        savepoint.commit()
        return str(row[0]) if row else None


def upgrade(store: SqlStore) -> None:
    """Apply every migration the database lacks; concurrent callers wait for each other.

    Raises:
        StoreError: when the database cannot be reached or migrated.
    """
    if current_revision(store) == HEAD_REVISION:
        return
    from alembic import command

    config = alembic_config()
    with store.migration_connection() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
