"""Registry fixtures: one contract suite over SQLite (tmp_path) and the real PostgreSQL.

PostgreSQL cases read ``MODELSTEWARD_TEST_POSTGRES_DSN`` and run each test in a schema of
its own (dropped afterwards), so parallel runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from modelsteward.registry import RegistryService, open_registry
from tests.registry.workers import manifest, sha

__all__ = ["manifest", "sha"]

PG_ENV = "MODELSTEWARD_TEST_POSTGRES_DSN"


def _pg_base() -> str:
    dsn = os.environ.get(PG_ENV)
    if not dsn:
        pytest.skip(f"{PG_ENV} is not set; PostgreSQL contract cases are skipped")
    return dsn


def _with_schema(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_schema_dsn() -> Iterator[str]:
    """A PostgreSQL DSN whose search_path is a fresh schema, dropped after the test."""
    import psycopg

    base = _pg_base()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _with_schema(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A DSN for an empty registry on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return str(request.getfixturevalue("pg_schema_dsn"))


@pytest.fixture
def registry(dsn: str) -> Iterator[RegistryService]:
    """An open registry on each backend."""
    service = open_registry(dsn)
    try:
        yield service
    finally:
        service.close()


@pytest.fixture
def sql(dsn: str) -> Iterator[Callable[[str], None]]:
    """Run raw SQL against the registry database (to tamper with it)."""
    from sqlalchemy import create_engine, text

    from modelsteward.registry.store.sql import normalize_dsn

    engine = create_engine(normalize_dsn(dsn))

    def run(statement: str) -> None:
        with engine.begin() as conn:
            conn.execute(text(statement))

    try:
        yield run
    finally:
        engine.dispose()
