"""Web fixtures: a seeded registry on SQLite and on the real PostgreSQL (a schema of its
own, dropped afterwards), and app clients over it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from modelsteward.web import WebOptions, create_app
from tests.web.seed import Seeded, seed_registry

PG_ENV = "MODELSTEWARD_TEST_POSTGRES_DSN"
SECRET = b"k" * 32


@pytest.fixture(scope="module")
def pg_module_dsn() -> Iterator[str]:
    """A PostgreSQL DSN whose search_path is a fresh schema for one test module."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set; PostgreSQL cases are skipped")
    import psycopg

    schema = f"w_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The demo registry, seeded once per module and backend."""
    work = tmp_path_factory.mktemp("seed")
    if request.param == "sqlite":
        dsn = f"sqlite:///{work / 'registry.db'}"
    else:
        dsn = str(request.getfixturevalue("pg_module_dsn"))
    return seed_registry(dsn, work)


AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(seeded: Seeded) -> Iterator[AppFactory]:
    """``make_client(**options)``: a test client over the seeded registry."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        options = WebOptions(
            registry_dsn=seeded.dsn,
            secret_key=SECRET,
            secure_cookies=False,
            **overrides,  # type: ignore[arg-type]
        )
        client = TestClient(create_app(options), base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def bearer(seeded: Seeded, who: str) -> dict[str, str]:
    """The Authorization header of an enrolled actor (``name:role``)."""
    return {"Authorization": f"Bearer {seeded.tokens[who]}"}
