"""Statements compiled once per dialect and run on the DBAPI cursor of a SQLAlchemy connection.

Why: on the hot paths (the log's appends, its proofs, the decision log) SQLAlchemy's
per-execute machinery costs more than the database work itself: ~30-70 µs a statement
against ~5 µs for the driver. These helpers keep SQLAlchemy's compiler and column types
(the SQL text, quoting, bind casts and each type's bind processor: JSON serializer, UTC
datetimes) and skip only the per-call bookkeeping. They run in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable, Mapping, TypeVar

from sqlalchemy import LargeBinary, Table, Text, bindparam, cast
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

T = TypeVar("T")


@dataclass(frozen=True)
class Prepared:
    """A statement compiled once for a dialect: its SQL text, its bound names in order if the
    driver's paramstyle is positional (else None: a dict), and the values SQLAlchemy bound
    itself (e.g. a LIMIT)."""

    sql: str
    order: tuple[str, ...] | None
    defaults: dict[str, Any]

    # (statement id, dialect name, paramstyle) -> Prepared; the statements are module constants
    _cache: ClassVar[dict[tuple[int, str, str], "Prepared"]] = {}

    @classmethod
    def of(cls, stmt: Executable, dialect: Dialect) -> "Prepared":
        key = (id(stmt), dialect.name, dialect.paramstyle)
        found = cls._cache.get(key)
        if found is None:
            compiled = stmt.compile(dialect=dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None
            found = cls._cache[key] = cls(str(compiled), order, dict(compiled.params))
        return found

    def params(self, **given: Any):
        values = {**self.defaults, **given}
        return values if self.order is None else tuple(values[k] for k in self.order)


class BulkInsert:
    """INSERT of whole rows into one table, one `executemany` on the driver.

    Every row gives every column named at construction (by default all but an
    autoincrementing key, which the database numbers). Values go through the column type's
    bind processor for the dialect, exactly as SQLAlchemy would apply it, except the columns
    named in `utf8_text`: their values come as UTF-8 bytes already (a JSON document orjson
    wrote) and the statement stores them as text, CAST(? AS TEXT), with no Python string made
    in between (SQLite only: a decision log batch is some 1 KB of Chinese text a decision).
    """

    def __init__(self, table: Table, columns: Iterable[str] | None = None, *, utf8_text: Iterable[str] = ()) -> None:
        self.table = table
        if columns is None:
            serial = table.autoincrement_column
            columns = (c.key for c in table.columns if c is not serial)
        self.columns = tuple(columns)
        self.utf8_text = frozenset(utf8_text)
        self._compiled: dict[tuple[str, str], tuple[str, tuple[str, ...] | None, list]] = {}

    def _for(self, dialect: Dialect):
        key = (dialect.name, dialect.paramstyle)
        found = self._compiled.get(key)
        if found is None:
            if self.utf8_text and dialect.name != "sqlite":
                raise NotImplementedError(f"utf8_text columns are for SQLite, not {dialect.name}")
            stmt = self.table.insert()
            if self.utf8_text:
                stmt = stmt.values({name: cast(bindparam(name, type_=LargeBinary), Text) for name in self.utf8_text})
            compiled = stmt.compile(dialect=dialect, column_keys=[c for c in self.columns if c not in self.utf8_text])
            order = tuple(compiled.positiontup) if compiled.positional else None
            names = order if order is not None else self.columns
            procs: list[tuple[str, Callable[[Any], Any] | None]] = []
            for name in names:
                if name in self.utf8_text:
                    procs.append((name, None))  # bytes bind as they are
                    continue
                column_type = self.table.columns[name].type
                procs.append((name, column_type.dialect_impl(dialect).bind_processor(dialect)))
            found = self._compiled[key] = (str(compiled), order, procs)
        return found

    def run(self, conn: Connection, rows: list[Mapping[str, Any]]) -> int | None:
        """Insert `rows` on `conn` (a SQLAlchemy connection; its transaction, its driver). One row into
        a table the database numbers, on SQLite: its number (the cursor's lastrowid); else None."""
        if not rows:
            return None
        sql, order, procs = self._for(conn.dialect)
        if order is not None:
            params: list[Any] = [tuple(row[n] if p is None else p(row[n]) for n, p in procs) for row in rows]
        else:
            params = [{n: (row[n] if p is None else p(row[n])) for n, p in procs} for row in rows]
        cursor = conn.connection.cursor()
        try:
            if len(params) == 1:
                cursor.execute(sql, params[0])
                return getattr(cursor, "lastrowid", None) if conn.dialect.name == "sqlite" else None
            cursor.executemany(sql, params)
            return None
        except conn.dialect.dbapi.IntegrityError as exc:  # as a flush raises it (a unique index, a key)
            raise IntegrityError(sql, params, exc) from exc
        finally:
            cursor.close()


_CONNECTION = "onehall_fastsql_connection"


def connection(session: Session) -> Connection:
    """`session.connection()`, kept while the session's transaction and savepoint are the same: asked
    a dozen times a filing, its state machine costs more than the statements run on it. (A savepoint
    begun since is asked for anew: that is when the session emits its SAVEPOINT.)"""
    kept = session.info.get(_CONNECTION)
    transaction = session.get_transaction()
    if (
        kept is not None
        and transaction is not None
        and kept[0] is transaction
        and kept[1] is session.get_nested_transaction()
    ):
        return kept[2]
    conn = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), session.get_nested_transaction(), conn)
    return conn


def run(session: Session, stmt: Executable, **params: Any) -> list[Any]:
    """The rows of `stmt` (a module constant: compiled once per dialect) on the DBAPI cursor of
    `session`'s connection, in its transaction. Unlike Session.execute it does not autoflush."""
    conn = connection(session)
    prepared = Prepared.of(stmt, conn.dialect)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(prepared.sql, prepared.params(**params))
        return cursor.fetchall()
    finally:
        cursor.close()


def transient(cls: type[T], values: Mapping[str, Any]) -> T:
    """An instance of the mapped `cls` holding `values` (its columns), as the ORM builds one it loads
    (no constructor, no attribute events), never added to a session: what a filing that inserted the
    row through the driver hands back to callers that read it. `cls(**values)` costs some 20x more."""
    obj = cls._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    obj.__dict__.update(values)
    return obj


def insert_rows(session: Session, insert: BulkInsert, objects: Iterable[Any]) -> None:
    """Mapped instances (attributes named as their columns, never added to the session) inserted
    through `insert` in `session`'s transaction: for a caller that only reads them back."""
    names = insert.columns
    insert.run(connection(session), [{n: getattr(o, n) for n in names} for o in objects])
