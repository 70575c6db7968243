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


def test_exceptions_granted_before_review_became_legacy_and_waive_nothing(dsn: str) -> None:
    """A registry at revision 0003 with a self-granted global exception (recorded with
    ``exception.added``) upgrades to a ``legacy`` row that waives nothing."""
    from datetime import date

    from alembic import command
    from sqlalchemy import text

    from modelsteward.registry import ExceptionState, open_registry
    from modelsteward.registry.store.sql import SqlStore

    store = SqlStore(dsn)
    config = alembic_config()
    with store.migration_connection() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    with store.write() as tx:
        conn = tx.connection
        conn.execute(
            text(
                "INSERT INTO policy_exceptions (rule_id, scope, reason, owner, expires, actor, "
                "created_at) VALUES ('scan-severity', '*', 'mine', 'intern', :d, 'intern', 't')"
            ),
            {"d": date(2999, 1, 1)},
        )
        tx.append_audit(
            "intern",
            "exception.added",
            {
                "id": 1,
                "rule_id": "scan-severity",
                "scope": "*",
                "reason": "mine",
                "owner": "intern",
                "expires": "2999-01-01",
                "actor": "intern",
                "created_at": "t",
            },
        )
    store.close()
    registry = open_registry(dsn)
    try:
        [legacy] = registry.exceptions()
        assert legacy.state is ExceptionState.LEGACY and legacy.status(date.today()) == "legacy"
        assert registry.waivers("*", "", date(2998, 1, 1)) == []
        assert registry.audit_verify().ok  # the legacy row agrees with its chain entry
    finally:
        registry.close()
