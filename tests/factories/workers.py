"""A second worker over the same database, and waiting for it to see a change."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def other_worker(app):
    from web.app import create_app

    second = create_app(app.extensions["onehall"].settings)
    monitor = second.extensions["onehall"].changes
    if second.extensions["onehall"].engine.dialect.name == "postgresql":
        deadline = time.monotonic() + 30  # until then it reads the feed on every request
        while not monitor.listening and time.monotonic() < deadline:
            time.sleep(0.05)
        assert monitor.listening
    yield second.test_client()
    second.extensions["onehall"].close()


def eventually(rt, check):
    """SQLite: at once. PostgreSQL: as soon as the NOTIFY has travelled (a generous ceiling, so a
    loaded CI machine does not fail a test whose product guarantee holds)."""
    deadline = time.monotonic() + (30 if rt.engine.dialect.name == "postgresql" else 0)
    while True:
        result = check()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(0.05)
