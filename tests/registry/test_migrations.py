"""Migrations ship inside the package and build the same schema as the models."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from modelsteward.registry import RegistryService
from modelsteward.registry.migrate import HEAD_REVISION, MIGRATIONS, alembic_config
from modelsteward.registry.store.sql import normalize_dsn
from modelsteward.registry.store.tables import Base


def test_head_revision_constant_matches_the_scripts() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_migrated_schema_has_every_model_column(registry: RegistryService, dsn: str) -> None:
    engine = create_engine(normalize_dsn(dsn))
    try:
        inspector = inspect(engine)
        for table in Base.metadata.sorted_tables:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
    finally:
        engine.dispose()
