"""Telling every worker, at commit, that the registry changed (docs/design.md §9).

Every filing that changes what decisions see adds a RegistryChange row. This module notices
such rows in any session's flush, whoever wrote them (filings, token revocations, pack
publications), and signals the other workers once the transaction commits:

- PostgreSQL: `NOTIFY` on the schema's channel (registry.db.notify_channel) inside the transaction; the server delivers it at
  commit to every worker's LISTEN connection (application.changes).
- SQLite (one machine by nature): a beacon file beside the database holds a committed change
  sequence; workers map it into memory, so "did anything change?" costs a memory read
  instead of a query. After its commit a writer stores the newest committed sequence it then
  reads. A value in the beacon thus promises that every change up to it is committed, so a
  reader that sees a value other than the one it last acted on, and then reads the feed,
  misses nothing: two writers storing out of order only cost a reader one extra read.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from registry.db import notify_channel
from registry.fastsql import BulkInsert, connection
from registry.models import RegistryChange

MAX_SEQ = "SELECT max(seq) FROM registry_changes"
_CHANGED = "onehall_registry_changed"  # session.info: this transaction added to the change feed
_NOTIFIED = "onehall_notified"
_FORMAT = struct.Struct("<q")
_INSERT_CHANGE = BulkInsert(RegistryChange.__table__)  # (seq numbered by the database)


def beacon_path(engine: Engine) -> Path | None:
    """The beacon file of a SQLite database file; None for PostgreSQL or an in-memory database."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database + "-changes")


class ChangeBeacon:
    """The beacon file of one SQLite database, mapped into memory (8 bytes: a change seq)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _FORMAT.size:
                os.ftruncate(fd, _FORMAT.size)
            self._map = mmap.mmap(fd, _FORMAT.size)
        finally:
            os.close(fd)

    def read(self) -> int:
        """The last sequence a commit wrote (a memory read: no system call, no query)."""
        return _FORMAT.unpack_from(self._map, 0)[0]

    def write(self, seq: int) -> None:
        _FORMAT.pack_into(self._map, 0, seq)

    def close(self) -> None:
        self._map.close()


_beacons: dict[str, ChangeBeacon] = {}
_beacons_lock = threading.Lock()


def beacon_for(engine: Engine) -> ChangeBeacon | None:
    """This process's mapping of the engine's beacon (one per database file), or None; kept on the
    engine (each commit signals through it)."""
    found = getattr(engine, _ENGINE_BEACON, _UNSET)
    if found is _UNSET:
        found = _beacon_for(engine)
        try:
            setattr(engine, _ENGINE_BEACON, found)
        except AttributeError:  # pragma: no cover - an engine that takes no attributes: look it up each time
            pass
    return found


_ENGINE_BEACON = "onehall_change_beacon"
_UNSET: Any = object()


def _beacon_for(engine: Engine) -> ChangeBeacon | None:
    path = beacon_path(engine)
    if path is None:
        return None
    key = str(path)
    found = _beacons.get(key)
    if found is None:
        with _beacons_lock:
            found = _beacons.get(key)
            if found is None:
                found = _beacons[key] = ChangeBeacon(path)
    return found


def add_change(session: Session, *, kind: str, key: str, note: str | None, at: datetime) -> None:
    """A change-feed row inserted at once in `session`'s transaction, straight to the driver (a filing
    adds one; a flush for it alone costs more than the filing's other writes), signalled at commit as
    a flushed RegistryChange is. On SQLite its number is known, so the beacon is set without a read."""
    seq = _INSERT_CHANGE.run(connection(session), [{"kind": kind, "key": key, "note": note, "changed_at": at}])
    _noted(session, seq)
    if seq is not None:
        added = session.info.get(_ADDED)
        if added is None:
            session.info[_ADDED] = (seq, {kind})
        elif added is not _UNKNOWN:
            added[1].add(kind)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _flush_context) -> None:
    if any(isinstance(obj, RegistryChange) for obj in session.new):
        _noted(session, None)
        session.info[_ADDED] = _UNKNOWN


# session.info: (first seq, kinds) of what this transaction added through add_change, or _UNKNOWN when it
# added a row otherwise or rolled back a savepoint; at its commit, `committed_changes` tells the worker.
_ADDED = "onehall_changes_added"
_COMMITTED = "onehall_changes_committed"
_UNKNOWN: Any = ()


def committed_changes(session: Session) -> tuple[int, int, frozenset[str]] | None:
    """(first, last, kinds) of the change-feed rows `session`'s last commit added, SQLite, when every
    one went through add_change (numbered, one writer: first..last are all of them and nobody
    else's); None otherwise. Taken once."""
    return session.info.pop(_COMMITTED, None)


@event.listens_for(Session, "after_soft_rollback")
def _unknown_after_rollback(session: Session, _previous) -> None:
    if _ADDED in session.info:
        session.info[_ADDED] = _UNKNOWN


def _noted(session: Session, seq: int | None) -> None:
    """This transaction adds to the feed; `seq`: the number of the row added, None if not known."""
    info = session.info
    known = info.get(_CHANGED, 0)
    # the newest number this transaction added, as long as every one is known (else None)
    info[_CHANGED] = None if seq is None or known is None else max(known, seq)
    if session.get_bind().dialect.name == "postgresql" and not info.get(_NOTIFIED):
        session.connection().execute(text(f"NOTIFY {notify_channel(session.get_bind())}"))
        info[_NOTIFIED] = True


@event.listens_for(Session, "after_commit")
def _signal(session: Session) -> None:
    if session.get_transaction() is not None and session.get_transaction().is_active:
        return  # a savepoint released: the transaction goes on
    changed = session.info.pop(_CHANGED, False)
    added = session.info.pop(_ADDED, None)
    session.info.pop(_NOTIFIED, None)
    if changed is False:
        return
    engine = session.get_bind()
    beacon = beacon_for(engine)
    if beacon is None:
        return
    if changed:
        # SQLite has one writer at a time: every lower number was committed before this transaction
        # took the write lock, so our own newest is a committed sequence to promise.
        beacon.write(changed)
        if added:
            session.info[_COMMITTED] = (added[0], changed, frozenset(added[1]))
        return
    # The session's transaction is over: read the committed newest on a connection of our own.
    with engine.connect() as conn:
        beacon.write(conn.execute(text(MAX_SEQ)).scalar() or 0)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_NOTIFIED, None)
    session.info.pop(_ADDED, None)
    session.info.pop(_COMMITTED, None)
