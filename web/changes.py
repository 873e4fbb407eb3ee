"""How a worker learns that the registry changed (DESIGN §9).

`ChangeMonitor.mark()` is the newest change-feed sequence number. On SQLite it is one
indexed read (the feed's primary key); on PostgreSQL a LISTEN connection flags a change
when any worker commits, so between changes a request reads nothing at all. The token
cache and the policy host share one monitor, so a request pays for at most one read.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import g, has_request_context

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "onehall_changes"
MAX_SEQ = "SELECT max(seq) FROM registry_changes"
LISTEN_POLL_S = 0.5


def _request_mark() -> int | None:
    if has_request_context():
        return getattr(g, "_onehall_change_mark", None)
    return None


def _remember(mark: int) -> int:
    if has_request_context():
        g._onehall_change_mark = mark
    return mark


class ChangeMonitor:
    def __init__(self, rt: Any):
        self.rt = rt
        self._dirty = threading.Event()
        self._dirty.set()
        self._listening = False
        self._mark = 0
        self._local = threading.local()
        self._conns: list[Any] = []
        self._conns_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if rt.engine.dialect.name == "postgresql":
            self._start_listener()

    def invalidate(self) -> None:
        """This worker just committed: read the feed on the next look, without waiting for
        its own NOTIFY to come back."""
        self._dirty.set()
        if has_request_context():
            g.pop("_onehall_change_mark", None)

    def mark(self) -> int:
        """The newest change sequence; within one request it is read at most once."""
        cached = _request_mark()
        if cached is not None:
            return cached
        if self._listening and not self._dirty.is_set():
            return _remember(self._mark)
        self._dirty.clear()
        self._mark = self._read_mark()
        return _remember(self._mark)

    def _read_mark(self) -> int:
        """`SELECT max(seq)` on a connection this thread keeps (no pool or ORM per request)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.rt.engine.raw_connection()
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        try:
            cur = conn.cursor()
            cur.execute(MAX_SEQ)
            value = cur.fetchone()[0]
            cur.close()
            if self.rt.engine.dialect.name == "postgresql":
                conn.commit()  # end the read transaction, so the next read sees new commits
            return value or 0
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
            while not self._stop.is_set():
                try:
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
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
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # pragma: no cover - already gone
                pass
