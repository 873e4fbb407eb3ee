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

from sqlalchemy import func, select

from registry.models import RegistryChange

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "onehall_changes"


class ChangeMonitor:
    def __init__(self, rt: Any):
        self.rt = rt
        self._dirty = threading.Event()
        self._dirty.set()
        self._listening = False
        self._mark = 0
        if rt.engine.dialect.name == "postgresql":
            self._start_listener()

    def invalidate(self) -> None:
        """This worker just committed: read the feed on the next look, without waiting for
        its own NOTIFY to come back."""
        self._dirty.set()

    def mark(self) -> int:
        if self._listening and not self._dirty.is_set():
            return self._mark
        self._dirty.clear()
        with self.rt.reading() as session:
            self._mark = session.scalar(select(func.max(RegistryChange.seq))) or 0
        return self._mark

    def _start_listener(self) -> None:
        def listen() -> None:
            import psycopg
            url = self.rt.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            while True:
                try:
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                        self._listening = True
                        self._dirty.set()  # anything committed while we connected
                        for _ in conn.notifies():
                            self._dirty.set()
                except Exception:  # pragma: no cover - reconnect; poll meanwhile
                    log.warning("LISTEN connection lost; polling until it is back")
                    self._listening = False
                    self._dirty.set()
                    time.sleep(1)

        threading.Thread(target=listen, name="onehall-listen", daemon=True).start()
