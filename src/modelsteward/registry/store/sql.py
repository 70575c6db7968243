"""``SqlStore``: one SQLAlchemy implementation for SQLite (WAL) and PostgreSQL (psycopg 3).

Writers are serialized on the audit chain-head row: SQLite transactions start with
``BEGIN IMMEDIATE`` (one writer, others wait up to the busy timeout) and PostgreSQL ones
take ``SELECT ... FOR UPDATE`` on the head before anything else.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from modelsteward.registry.audit import AuditRowTuple, utc_now
from modelsteward.registry.records import AuditEntry
from modelsteward.registry.store.interface import MissingRegistryError, StoreError
from modelsteward.registry.store.queries import SqlTx
from modelsteward.registry.store.tables import AuditHeadRow

BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for another one before giving up."""
_CONNECT_TIMEOUT_S = 5
_HINT = "check --registry / MODELSTEWARD_REGISTRY, and that the database server is running"


def normalize_dsn(dsn: str) -> str:
    """Map user DSNs onto SQLAlchemy URLs: ``postgresql://`` uses psycopg 3.

    Raises:
        StoreError: when the DSN is neither SQLite nor PostgreSQL.
    """
    text = dsn.strip()
    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    if text.startswith(("postgresql+psycopg://", "sqlite:///")):
        return text
    raise StoreError(
        f"unsupported registry DSN {mask_dsn(text)!r}",
        hint="use sqlite:///PATH or postgresql://USER@HOST:PORT/DB",
    )


def mask_dsn(dsn: str) -> str:
    """The DSN with any password replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", dsn)


_SCAN = "SELECT seq, ts, actor, action, payload, prev_hash, hash FROM audit_log ORDER BY seq"
_SCAN_BATCH = 10_000
_HASH_AT = text("SELECT hash FROM audit_log WHERE seq = :seq")
_AFTER = text(
    "SELECT seq, ts, actor, action, payload, prev_hash, hash FROM audit_log WHERE seq > :seq "
    "ORDER BY seq"
)
_CURSOR_IDS = itertools.count()


@dataclass(slots=True)
class _Snapshot:
    conn: Connection
    head: tuple[int, str] | None
    sqlite: bool

    def rows(self) -> Generator[AuditRowTuple, None, None]:
        """Stored rows straight from the driver: verification touches every one."""
        dbapi = self.conn.connection.dbapi_connection
        assert dbapi is not None
        # A named cursor is server-side in psycopg: rows stream instead of filling memory.
        name = f"audit_scan_{next(_CURSOR_IDS)}"
        cursor = dbapi.cursor() if self.sqlite else dbapi.cursor(name=name)
        try:
            cursor.execute(_SCAN)
            while batch := cursor.fetchmany(_SCAN_BATCH):
                yield from batch
        finally:
            cursor.close()

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of entry ``seq``, or None when there is no such entry."""
        row = self.conn.execute(_HASH_AT, {"seq": seq}).first()
        return None if row is None else str(row[0])

    def rows_after(self, seq: int) -> list[AuditRowTuple]:
        """The stored rows after entry ``seq``, in seq order."""
        rows = self.conn.execute(_AFTER, {"seq": seq}).all()
        return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def entries(self) -> Generator[AuditEntry, None, None]:
        """The entries in seq order."""
        with closing(self.rows()) as rows:
            for row in rows:
                yield AuditEntry.of(row)

    def tx(self) -> SqlTx:
        """Read the stored rows as of the same moment as the log."""
        return SqlTx(self.conn, now=utc_now(), head=None)


class SqlStore:
    """The registry store over a SQLAlchemy engine."""

    def __init__(
        self,
        dsn: str,
        *,
        clock: Callable[[], str] = utc_now,
        create: bool = True,
        audit_key: bytes | None = None,
    ) -> None:
        """Create the engine; nothing is connected yet.

        With ``create`` false a SQLite file that does not exist is an error, and neither it
        nor its directory is made: reading a registry never creates one.

        Raises:
            StoreError: when the DSN is not supported or its driver is missing, or (without
                ``create``) the SQLite file does not exist.
        """
        url = normalize_dsn(dsn)
        self.dsn = mask_dsn(dsn)
        self._clock = clock
        self._audit_key = audit_key
        try:
            self.sqlite = make_url(url).get_backend_name() == "sqlite"
            self._engine = self._sqlite_engine(url, create) if self.sqlite else self._pg_engine(url)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise StoreError(
                f"cannot use registry DSN {self.dsn!r}: {exc}",
                hint="install modelsteward[postgres] for PostgreSQL, or use sqlite:///PATH",
            ) from exc
        self._writer = self._engine.execution_options(modelsteward_write=True)

    @staticmethod
    def _sqlite_engine(url: str, create: bool) -> Engine:
        database = make_url(url).database
        if not database or database == ":memory:":
            raise StoreError(
                "the SQLite registry must be a file", hint="use sqlite:///path/to/registry.db"
            )
        path = Path(database).expanduser()
        if not create and not path.is_file():
            raise MissingRegistryError(
                f"no registry at {path}",
                hint="check --registry / MODELSTEWARD_REGISTRY; a registry is created by its "
                "first write (registry add, vet --record)",
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the directory of {database}: {exc}", hint=_HINT
            ) from exc
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: object) -> None:
            # Take transaction control from the driver so BEGIN IMMEDIATE is ours to send.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("modelsteward_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @staticmethod
    def _pg_engine(url: str) -> Engine:
        return create_engine(url, connect_args={"connect_timeout": _CONNECT_TIMEOUT_S})

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations and maintenance)."""
        return self._engine

    @contextmanager
    def migration_connection(self) -> Iterator[Connection]:
        """A write transaction that serializes concurrent schema upgrades."""
        with self._guard(), self._writer.begin() as conn:
            if not self.sqlite:
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7242090117)")
            yield conn

    @contextmanager
    def read(self) -> Iterator[SqlTx]:
        """A read-only transaction."""
        with self._guard(), self._engine.begin() as conn:
            yield SqlTx(conn, now=self._clock(), head=None)

    @contextmanager
    def write(self) -> Iterator[SqlTx]:
        """A write transaction holding the audit chain head until it commits."""
        with self._guard(), self._writer.begin() as conn:
            head = conn.execute(
                select(AuditHeadRow.seq, AuditHeadRow.hash)
                .where(AuditHeadRow.id == 1)
                .with_for_update()
            ).one()
            tx = SqlTx(conn, now=self._clock(), head=(head[0], head[1]))
            yield tx
            if self._audit_key is not None and tx.head[0] != head[0]:
                from modelsteward.registry.trust import checkpoint_mac, key_id

                seq, digest = tx.head
                mac = checkpoint_mac(self._audit_key, seq, digest)
                tx.insert_checkpoint(seq, digest, key_id(self._audit_key), mac)

    @contextmanager
    def audit_snapshot(self) -> Iterator[_Snapshot]:
        """A consistent view of the audit log and its recorded head."""
        with self._guard(), self._engine.connect() as conn:
            if not self.sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                row = conn.execute(
                    select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
                ).first()
                head = (row[0], row[1]) if row and row[0] else None
                yield _Snapshot(conn, head, self.sqlite)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            raise StoreError(
                f"registry database {self.dsn!r} failed: {_first_line(exc)}", hint=_HINT
            ) from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"registry database {self.dsn!r} failed: {exc}", hint=_HINT) from exc

    def close(self) -> None:
        """Release connections."""
        self._engine.dispose()


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
