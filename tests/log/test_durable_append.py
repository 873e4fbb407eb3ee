"""Durable before acknowledged on PostgreSQL (docs/design.md §9, §12.5): an append's transaction
commits without holding the log's lock through the fsync, and the filing does not return before
its commit is flushed (registry.log_tail.await_wal_flush)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from registry import log_tail
from tests.factories.signed_log import BODY, LogHarness


def _postgresql(logdb: LogHarness) -> None:
    if logdb.engine.dialect.name != "postgresql":
        pytest.skip("SQLite commits every transaction with synchronous=FULL (tests/ops/test_durable_and_heads.py)")


def test_a_filing_that_appended_returns_only_once_its_commit_is_flushed(logdb: LogHarness, monkeypatch):
    _postgresql(logdb)
    seen: list[str] = []
    real = log_tail.await_wal_flush

    def spy(dbapi) -> None:
        # Called after COMMIT returned: the commit record is in the WAL (at or before this LSN).
        dbapi.autocommit = True
        try:
            seen.append(dbapi.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0])
        finally:
            dbapi.autocommit = False
        real(dbapi)

    monkeypatch.setattr(log_tail, "await_wal_flush", spy)
    with logdb.filing() as session:
        logdb.log.append(session, kind="test", body=BODY, record=logdb.record())
        # the append's transaction does not wait for the fsync under the log's lock...
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "off"
    assert len(seen) == 1
    with logdb.engine.connect() as conn:
        # ...but once the filing returned, the WAL is flushed past its commit (flush LSNs only grow)
        assert (
            conn.execute(text("SELECT pg_current_wal_flush_lsn() >= CAST(:lsn AS pg_lsn)"), {"lsn": seen[0]}).scalar()
            is True
        )
        # and the server's own setting is untouched for every other transaction
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_a_rolled_back_append_waits_for_nothing(logdb: LogHarness, monkeypatch):
    _postgresql(logdb)
    calls: list[object] = []
    monkeypatch.setattr(log_tail, "await_wal_flush", calls.append)

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        with logdb.filing() as session:
            logdb.log.append(session, kind="test", body=BODY, record=logdb.record())
            raise Abort
    with logdb.filing() as session:  # a later transaction of the same session kind appends nothing
        session.execute(text("SELECT 1"))
    assert calls == [] and logdb.size() == 0


def test_a_session_joined_to_a_callers_transaction_commits_as_the_caller_does(logdb: LogHarness, monkeypatch):
    """A migration's signed backfill appends on Alembic's connection: that transaction keeps the
    server's synchronous commit, and nothing waits on a commit the session does not make."""
    _postgresql(logdb)
    from sqlalchemy.orm import Session

    calls: list[object] = []
    monkeypatch.setattr(log_tail, "await_wal_flush", calls.append)
    with logdb.engine.begin() as conn:
        session = Session(bind=conn)
        logdb.log.append(session, kind="test", body=BODY, record=logdb.record())
        session.flush()
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        session.close()
    assert calls == [] and logdb.size() == 1


def test_a_savepoint_rolled_back_after_an_append_keeps_the_wait_for_the_flush(logdb: LogHarness, monkeypatch):
    """The append's transaction goes on after a failed savepoint (an import that skips a bad row):
    its commit is still not acknowledged before the flush."""
    _postgresql(logdb)
    calls: list[object] = []
    monkeypatch.setattr(log_tail, "await_wal_flush", calls.append)

    class Skip(Exception):
        pass

    with logdb.filing() as session:
        logdb.log.append(session, kind="test", body=BODY, record=logdb.record())
        with pytest.raises(Skip):
            with session.begin_nested():
                session.execute(text("SELECT 1"))
                raise Skip
        assert calls == []
    assert len(calls) == 1 and logdb.size() == 1
