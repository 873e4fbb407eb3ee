"""Database plumbing: engine, sessions, and the UTC datetime column type.

Both backends (SQLite embedded, PostgreSQL in production) go through here, so the
differences between them (pragmas, time zones, schemas) are handled in one place.
"""

from __future__ import annotations

import hashlib
import orjson
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import DateTime, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from vocab.clock import utcnow  # noqa: F401  (registry modules import the clock from here)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns aware UTC datetimes on every backend.

    SQLite keeps no zone, PostgreSQL converts to the session zone; storing naive UTC
    and re-attaching UTC on the way out gives the same values on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a zone first")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - defensive for raw SQLite reads
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


def default_database_url(instance_dir: Path) -> str:
    return os.environ.get("ONEHALL_DATABASE_URL") or f"sqlite:///{instance_dir / 'onehall.db'}"


def make_engine(url: str, *, schema: str | None = None, **kwargs) -> Engine:
    """Create an engine; on PostgreSQL an optional schema becomes the search path."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    connect_args = kwargs.pop("connect_args", {})
    if url.startswith("sqlite"):
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
        database = make_url(url).database
        if database and database != ":memory:" and "mode=memory" not in url and "poolclass" not in kwargs:
            # The connection returned last is handed out next: its page cache is the one that holds
            # the pages the last filing wrote. (Handed out in turn, each connection would find its cache
            # stale after the other's write and read again every page a filing touches.)
            kwargs.setdefault("pool_use_lifo", True)
    elif schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # JSON columns: one C-accelerated dumps; times (as in logged decisions) as ISO strings.
    kwargs.setdefault("json_serializer", _json_dumps)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    engine.onehall_schema = schema or "public"  # type: ignore[attr-defined]  (see lock_key)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def schema_of(engine: Engine) -> str:
    """The PostgreSQL schema this engine works in ("public" unless one was given)."""
    return getattr(getattr(engine, "engine", engine), "onehall_schema", "public")


def lock_key(engine: Engine, purpose: str) -> int:
    """A PostgreSQL advisory lock id for `purpose` in this engine's schema.

    Advisory locks are database-wide: two deployments in two schemas of one database must not
    share the log's or the scheduler's lock, so the id is derived from the schema's name."""
    digest = hashlib.sha256(f"onehall:{schema_of(engine)}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF  # a positive bigint


def notify_channel(engine: Engine) -> str:
    """The LISTEN/NOTIFY channel of this engine's schema (channels are database-wide too)."""
    return "onehall_" + hashlib.sha256(schema_of(engine).encode()).hexdigest()[:16]


def json_bytes(value) -> bytes:
    """A JSON column's document as the database gets it, in UTF-8: orjson, compact, datetimes as
    ISO 8601 (isoformat's text), ~10x json.dumps (the decision log writes one a question)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def _json_dumps(value) -> str:
    """The JSON columns' serializer (the engine's json_serializer): json_bytes' text."""
    return json_bytes(value).decode()


SQLITE_SYNCHRONOUS = "FULL"  # every SQLite connection: signed appends are durable when answered


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
        # Let SQLAlchemy, not pysqlite, issue BEGIN, so BEGIN IMMEDIATE works for the log lock.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL, not NORMAL: in WAL mode NORMAL survives a killed process but not a power cut,
        # and a receipt or an outside checkpoint handed out must never name a lost entry.
        cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - trivial
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        # on the driver: every transaction begins here, and SQLAlchemy's execute costs more than BEGIN
        conn.connection.dbapi_connection.execute(f"BEGIN {mode}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def write_lock(session: Session) -> Connection:
    """Begin `session`'s transaction as a writer: on SQLite BEGIN IMMEDIATE (the database's one
    write lock, taken up front), so a transaction that reads and then writes never fails on a stale
    snapshot; on PostgreSQL an ordinary BEGIN (the log takes its own advisory lock). The one place
    this is said; filings, checkpoints, the scheduler and the witness round all begin through it."""
    return session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One filing, one transaction: commit on success, roll back on any error.

    On SQLite the write lock is taken up front (BEGIN IMMEDIATE): a transaction that reads and
    then writes would otherwise fail at once ("database is locked") whenever another process
    committed in between, since its WAL snapshot is stale and waiting cannot help."""
    with factory() as session:
        with session.begin():
            write_lock(session)
            yield session
