"""Alembic environment: runs on the connection ``open_registry`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from modelsteward.registry.store.tables import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("registry migrations run through modelsteward.registry.open_registry")
_run(_connection)
