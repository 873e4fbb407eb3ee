"""How a worker learns that the registry changed (docs/design.md §9).

`ChangeMonitor.mark()` is the newest change-feed sequence number. The feed is read only
after a worker signalled a commit (registry.change_signal): on PostgreSQL a LISTEN
connection hears the NOTIFY; on SQLite the beacon file, mapped into memory, shows a new
value. Between changes a request reads nothing at all, and at least once a second the feed
is read anyway (a writer that died between its commit and its signal delays no one
longer). The token cache and the policy host share one monitor.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy.sql import Executable

from registry.change_signal import MAX_SEQ, beacon_for
from registry.db import notify_channel
from registry.fastsql import Prepared

log = logging.getLogger(__name__)
LISTEN_POLL_S = 0.5
TRUST_S = 1.0  # the longest a worker answers from a mark without reading the feed


class ChangeMonitor:
    def __init__(self, rt: Any):
        self.rt = rt
        self._dirty = threading.Event()
        self._dirty.set()
        self._listening = False
        self._mark = 0
        self._local = threading.local()
        self._conns: list[tuple[threading.Thread, Any]] = []  # (the thread that reads on it, connection)
        self._conns_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beacon = beacon_for(rt.engine)
        # (mark, beacon value read before that mark, monotonic deadline): replaced as one
        # tuple, so threads racing to update it always leave a consistent triple
        self._trusted: tuple[int, int, float] | None = None
        self._own: tuple[int, int, frozenset[str]] | None = None
        self._own_lock = threading.Lock()
        if rt.engine.dialect.name == "postgresql":
            self._start_listener()

    @property
    def listening(self) -> bool:
        """PostgreSQL: whether the LISTEN connection is up (changes then arrive as NOTIFYs)."""
        return self._listening

    def signalled(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) until a change signal has arrived that this worker has not
        acted on yet. PostgreSQL: the NOTIFY reached the LISTEN connection. SQLite: the beacon is
        read by `mark()` itself, so a committed change is always already visible (True)."""
        if self._beacon is not None or not self._listening:
            return True
        return self._dirty.wait(timeout)

    def invalidate(self) -> None:
        """This worker just committed: read the feed on the next look, without waiting for
        its own NOTIFY to come back."""
        self._dirty.set()

    def own_commit(self, first: int, last: int, kinds: frozenset[str]) -> None:
        """This worker just committed the feed's rows `first`..`last` (of `kinds`), all of them its own
        (registry.change_signal.committed_changes). When they follow the mark it trusts, the mark moves
        to `last` without a read, and `own` tells the readers of the feed that (first - 1, last] holds
        these kinds alone (a token cache then has nothing to look for); else as `invalidate`. The
        trust keeps its deadline: the feed is still read at least once a second."""
        with self._own_lock:
            trusted = self._trusted
            if self._beacon is None or self._dirty.is_set() or trusted is None or trusted[0] != first - 1:
                self._dirty.set()
                return
            self._own = (first - 1, last, kinds)
            self._mark = last
            self._trusted = (last, last, trusted[2])  # the beacon holds `last`: our commit wrote it

    @property
    def own(self) -> tuple[int, int, frozenset[str]] | None:
        """(mark before, mark after, kinds) of this worker's last commit that moved the mark (own_commit)."""
        return self._own

    def mark(self) -> int:
        """The newest change sequence: the feed is read only after a signalled change."""
        if self._listening and not self._dirty.is_set():
            return self._mark
        beacon = self._beacon
        if beacon is not None:
            trusted = self._trusted
            seen = beacon.read()  # before the feed: a commit after our read then shows up
            if (
                trusted is not None
                and not self._dirty.is_set()
                and trusted[1] == seen
                and time.monotonic() < trusted[2]
            ):
                return trusted[0]
            self._dirty.clear()
            mark = self._mark = self._read_mark()
            self._trusted = (mark, seen, time.monotonic() + TRUST_S)
            return mark
        self._dirty.clear()
        self._mark = self._read_mark()
        return self._mark

    def _read_mark(self) -> int:
        """`SELECT max(seq)` on a connection this thread keeps (no pool or ORM per request)."""
        return self._on_connection(MAX_SEQ, ())[0][0] or 0

    def read(self, stmt: Executable, **params: Any) -> list[Any]:
        """The rows of `stmt` (a statement module constant, compiled once per dialect: registry.fastsql)
        on this thread's connection, each call its own read: what a worker checks on every request
        after a change (the token cache, the policy host) costs no session."""
        prepared = Prepared.of(stmt, self.rt.engine.dialect)
        return self._on_connection(prepared.sql, prepared.params(**params))

    def _on_connection(self, sql: str, params: Any) -> list[Any]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.rt.engine.raw_connection()
            self._local.conn = conn
            with self._conns_lock:
                # a server that starts a thread per request (werkzeug's) leaves connections of
                # finished threads behind: give them back to the pool, or it runs dry
                gone = [c for t, c in self._conns if not t.is_alive()]
                self._conns = [(t, c) for t, c in self._conns if t.is_alive()]
                self._conns.append((threading.current_thread(), conn))
            for old in gone:
                try:
                    old.close()
                except Exception:  # pragma: no cover - already broken
                    pass
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            rows = cur.fetchall()
            cur.close()
            if self.rt.engine.dialect.name == "postgresql":
                conn.commit()  # end the read transaction, so the next read sees new commits
            return rows
        except Exception:
            self._local.conn = None
            try:
                conn.close()
            except Exception:  # pragma: no cover - already broken
                pass
            raise

    def _start_listener(self) -> None:
        def listen() -> None:
            import psycopg

            url = self.rt.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            channel = notify_channel(self.rt.engine)
            while not self._stop.is_set():
                try:
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute(f"LISTEN {channel}")
                        self._listening = True
                        self._dirty.set()  # anything committed while we connected
                        while not self._stop.is_set():
                            for _ in conn.notifies(timeout=LISTEN_POLL_S):
                                self._dirty.set()
                except Exception:  # pragma: no cover - reconnect; poll meanwhile
                    if self._stop.is_set():
                        break
                    log.warning("LISTEN connection lost; polling until it is back")
                    self._listening = False
                    self._dirty.set()
                    self._stop.wait(1)
            self._listening = False

        self._thread = threading.Thread(target=listen, name="onehall-listen", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop listening and close the connections this monitor holds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=LISTEN_POLL_S + 1)
        with self._conns_lock:
            conns, self._conns = [c for _, c in self._conns], []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # pragma: no cover - already gone
                pass
