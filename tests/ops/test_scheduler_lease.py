"""One scheduler: a lease renewed every pass, lost with its connection; per-schema locks (§12.5)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text

from registry import lease
from registry.db import lock_key, make_engine, notify_channel
from tests.factories.databases import PG_URL
from application.scheduler import Scheduler, single_instance

needs_pg = pytest.mark.skipif(not PG_URL, reason="ONEHALL_TEST_DATABASE_URL is not set: PostgreSQL tests not run")


def test_a_scheduler_that_loses_its_lease_stops_before_acting(rt):
    scheduler = Scheduler(rt, interval=0)
    with single_instance(rt) as held:
        scheduler.lease = held
        scheduler.run_once(findings=False)  # renewed: runs
        assert scheduler.passes == 1
        _cut(rt, held)
        with pytest.raises(lease.LeaseLost):
            scheduler.run_forever()  # stops at once: no pass ran
        assert scheduler.passes == 1
        # the lease is free: another scheduler takes it
        with single_instance(rt) as other:
            other.renew()


def _cut(rt, held) -> None:
    if rt.engine.dialect.name == "postgresql":
        admin = make_engine(PG_URL)
        with admin.begin() as conn:  # what a network cut or a server restart does to the lease
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": held.backend_pid}).scalar()
        admin.dispose()
    else:
        os.unlink(held.path)  # the lock file is gone: a second scheduler could lock a new one


def test_a_second_scheduler_is_refused_while_the_lease_is_held(rt):
    with single_instance(rt):
        with pytest.raises(lease.AlreadyRunning):
            with single_instance(rt):
                pass


@pytest.fixture
def two_schemas():
    admin = make_engine(PG_URL)
    names = [f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with admin.begin() as conn:
        for name in names:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engines = [make_engine(PG_URL, schema=name) for name in names]
    yield engines
    for engine in engines:
        engine.dispose()
    with admin.begin() as conn:
        for name in names:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


@needs_pg
def test_two_deployments_in_two_schemas_of_one_database_run_side_by_side(two_schemas, tmp_path):
    """Two cities in one database: each its own scheduler lease, log lock and change channel."""
    from registry import migrate
    from registry.models import RegistryChange
    from registry.db import session_factory
    import psycopg

    a, b = two_schemas
    for engine in (a, b):
        migrate.upgrade(engine)
    assert lock_key(a, "log") != lock_key(b, "log") and notify_channel(a) != notify_channel(b)
    with lease.hold(a, tmp_path / "a.lock"), lease.hold(b, tmp_path / "b.lock"):  # both schedulers run
        with pytest.raises(lease.AlreadyRunning):
            with lease.hold(a, tmp_path / "a.lock"):
                pass
    # a's log lock held in an open transaction does not stop b's appends
    from registry.ledger import lock_log

    with session_factory(a)() as sa_, sa_.begin():
        lock_log(sa_)
        with session_factory(b)() as sb, sb.begin():
            sb.execute(text("SET LOCAL lock_timeout = '5s'"))
            lock_log(sb)  # with one database-wide key this would wait, then fail
    # a worker of a hears a's changes only
    with psycopg.connect(PG_URL, autocommit=True) as listener:
        listener.execute(f"LISTEN {notify_channel(a)}")
        for engine, key in ((b, "from-b"), (a, "from-a")):
            with session_factory(engine)() as s, s.begin():
                s.add(RegistryChange(kind="test", key=key))
        heard = []
        for note in listener.notifies(timeout=30):
            heard.append(note.channel)
            break
        # NOTIFYs arrive in commit order: had b's reached this channel, it would be first
        assert heard == [notify_channel(a)]
