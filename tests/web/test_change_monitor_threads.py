"""A worker served by a thread per request (werkzeug's development and test server) reads the
change feed from many short-lived threads: the connections of finished threads go back to the
pool, so it never runs dry (before, the 16th thread waited 30 s for a connection)."""

from __future__ import annotations

import threading


def test_finished_threads_give_their_feed_connections_back(rt):
    monitor = rt.changes
    pool = rt.engine.pool
    marks = []

    def ask() -> None:
        monitor.invalidate()  # a change was signalled: this thread reads the feed
        marks.append(monitor.mark())

    for _ in range(pool.size() + pool._max_overflow + 5):  # more threads than the pool holds
        t = threading.Thread(target=ask)
        t.start()
        t.join()  # no deadline (load only slows it): a starved thread fails at the pool's own timeout
    assert len(marks) == pool.size() + pool._max_overflow + 5
    assert pool.checkedout() <= 2
