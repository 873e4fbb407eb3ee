"""The signed log's tail under its writer lock (docs/design.md §7, §9), apart from the append itself
(registry.ledger): the lock, the tree size and right-edge nodes read in one statement, the edge
kept from one append to the next (in a transaction, and on SQLite across this process's commits),
and, on PostgreSQL, the WAL flush awaited after the commit so the lock is never held through an fsync.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from registry.db import lock_key
from registry.fastsql import connection

# The tail (size, last leaf hash) and the right-edge nodes of the tree, (level, (n >> level) - 1)
# for each bit `level` set in n: exactly the left siblings an append can need. One statement,
# whatever the size, the same in SQLite and PostgreSQL.
_TAIL_AND_EDGE = (
    "WITH RECURSIVE lv(level) AS (SELECT 0 UNION ALL SELECT level + 1 FROM lv WHERE level < 31), "
    't AS (SELECT "index" + 1 AS n, leaf_hash FROM log_entries ORDER BY "index" DESC LIMIT 1) '
    "SELECT t.n, t.leaf_hash, lv.level, nd.hash FROM t CROSS JOIN lv "
    'LEFT JOIN log_nodes nd ON nd.level = lv.level AND nd."index" = (t.n >> lv.level) - 1 '
    "WHERE ((t.n >> lv.level) & 1) = 1"
)
# The last leaf alone: whether the log is still as this worker's last committed append left it.
_LAST_LEAF = 'SELECT "index", leaf_hash FROM log_entries ORDER BY "index" DESC LIMIT 1'


def lock_and_read_tail(
    session: Session, committed: dict[str, "CommittedTail"] | None = None
) -> tuple[int, dict[int, bytes]]:
    """Take the log's writer lock and read the tree size and its right-edge nodes by level.

    PostgreSQL: the advisory lock and the read go in one pipeline (one round trip); the read is
    its own statement, so under READ COMMITTED it sees every append committed before the lock
    was granted. The transaction commits without waiting for its WAL flush, so the lock is not
    held through an fsync; the flush is awaited after the commit, before the filing answers
    (_durable_after_commit). SQLite: the transaction already holds the database's write lock;
    when this process committed the last append (`committed`, kept at its commit) and the log
    still ends with that leaf, the edge it computed then is the edge now (the tree is a function
    of its leaves, and nothing is appended but under this lock): only the last leaf is read."""
    conn = connection(session)
    if committed and conn.dialect.name == "sqlite":
        kept = committed.get(_database_of(conn))
        if kept is not None:
            last = _fetch(conn, _LAST_LEAF)
            if last and last[0][0] + 1 == kept.size and last[0][1] == kept.leaf_hash:
                return kept.size, kept.edge
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        bind = session.get_bind()
        key = lock_key(bind, "log")
        # Only a session that begins and commits its own transaction waits for the flush itself;
        # one joined to a caller's connection (a migration's backfill) commits as the caller does.
        own = isinstance(bind, Engine)
        if own:
            session.info[_AWAIT_FLUSH] = dbapi
        with dbapi.pipeline():
            if own:
                dbapi.execute("SET LOCAL synchronous_commit TO off")
            dbapi.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            cursor = dbapi.execute(_TAIL_AND_EDGE)
        rows = cursor.fetchall()
    else:
        rows = _fetch(conn, _TAIL_AND_EDGE)
    if not rows:
        return 0, {}
    edge: dict[int, bytes] = {}
    for _n, _last, level, h in rows:
        if h is None:
            raise LookupError(f"log node at level {level} of the right edge missing: the stored tree is damaged")
        edge[level] = bytes(h)
    return rows[0][0], edge


def _fetch(conn, sql: str) -> list[Any]:
    """The rows of `sql` on the DBAPI cursor of `conn` (a SQLAlchemy connection), in its transaction."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


_AWAIT_FLUSH = "onehall_log_await_flush"
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open on the connection


@event.listens_for(Session, "after_commit")
def _durable_after_commit(session: Session) -> None:
    """Durable before acknowledged, on PostgreSQL, with the lock released before the fsync.

    An append's transaction commits with synchronous_commit off: its commit record is in the
    WAL when COMMIT returns and the log's lock is free for the next appender, but it may not be
    on disk yet. Before the filing returns, one more statement on the same connection, its own
    transaction, writes a WAL record (a logical message, which every role may emit) and commits
    with the server's synchronous_commit: its flush (and its wait for synchronous standbys) covers
    every earlier WAL record, our commit included. Appenders that commit close together share
    that flush (PostgreSQL flushes the WAL for all waiting commits at once): the group commit
    Tessera gets from batching, without taking anyone else's record into our transaction."""
    dbapi = session.info.get(_AWAIT_FLUSH)
    if dbapi is None or dbapi.info.transaction_status != _IDLE:
        return  # a savepoint's release: the flush waits for the transaction's own commit
    del session.info[_AWAIT_FLUSH]
    await_wal_flush(dbapi)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    dbapi = session.info.get(_AWAIT_FLUSH)
    if dbapi is not None and dbapi.info.transaction_status == _IDLE:
        del session.info[_AWAIT_FLUSH]  # the whole transaction; a savepoint's rollback keeps the wait


# session.info: (transaction, size, right edge, last leaf hash, the log's committed tails) after this
# transaction's last append, so that its next append (an acceptance makes two) reads no tail; any
# rollback, a savepoint's too, forgets it; the commit keeps it for the next transaction (SQLite).
TAIL = "onehall_log_tail"


class CommittedTail(NamedTuple):
    size: int
    leaf_hash: str
    edge: dict[int, bytes]


def _database_of(conn) -> str:
    return conn.engine.url.database or ""


@event.listens_for(Session, "after_commit")
def _keep_tail(session: Session) -> None:
    kept = session.info.get(TAIL)
    if kept is None or kept[0].is_active:
        return  # nothing appended, or a savepoint released: the transaction goes on
    del session.info[TAIL]
    transaction, size, edge, leaf_hash, committed = kept
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        committed[_database_of(bind)] = CommittedTail(size, leaf_hash, edge)


def edge_after(size: int, edge: dict[int, bytes], new_nodes: list[tuple[int, int, bytes]]) -> dict[int, bytes]:
    """The right edge (level -> hash of node (level, (n >> level) - 1) for each bit set in n) at
    n = size + 1, from the edge at `size` and the nodes the append of leaf `size` completed: a node
    of the new edge is either one of those or was on the old edge at its level."""
    n = size + 1
    completed = {(level, index): h for level, index, h in new_nodes}
    out: dict[int, bytes] = {}
    for level in range(n.bit_length()):
        if (n >> level) & 1:
            out[level] = completed.get((level, (n >> level) - 1)) or edge[level]
    return out


def await_wal_flush(dbapi) -> None:
    """Return once every transaction this connection committed is flushed (see above)."""
    dbapi.autocommit = True
    try:
        dbapi.execute("SELECT pg_logical_emit_message(true, 'onehall', 'durable')")
    finally:
        dbapi.autocommit = False


def lock_log(session: Session) -> None:
    """Take the single-writer lock of the log for this transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(bind, "log")})
    # SQLite: filings begin IMMEDIATE (registry.db.write_lock), which already holds the write lock.
