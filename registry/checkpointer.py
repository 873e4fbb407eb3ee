"""The log's checkpointer and awaiter (docs/design.md §7, §9): Tessera's second seam.

`Checkpointer.publish` signs a checkpoint of the stored tree when it grew, under the log's
writer lock, and keeps a copy outside the database once it is committed; `await_covering`
waits, bounded, for a checkpoint that covers an entry, publishing one itself when the last is
older than the interval, so that receipts asked for together share one signature.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.db import utcnow, write_lock
from registry.models import Checkpoint, LogEntry
from signing import merkle
from signing.keys import ALG_SM2
from signing.note import format_checkpoint, sign_note
from signing.note_sm2 import LOG_SM2_BODY, add_sm2_signature

LOG_BODY = "log"

Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass
class LogSettings:
    origin: str = "onehall.xiangtan/log"
    checkpoint_interval_ms: int = 200
    checkpoint_max_entries: int = 256
    checkpoint_dir: Path | None = None


def tree_size(session: Session) -> int:
    last = session.scalar(select(func.max(LogEntry.index)))
    return 0 if last is None else last + 1


_OUTSIDE = "onehall_outside_checkpoints"


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for checkpointer, size, note in session.info.pop(_OUTSIDE, ()):
        checkpointer.write_outside(size, note)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_OUTSIDE, None)


class Checkpointer:
    """Signs checkpoints with the log key of `keys` (a signing.keys.KeyStore or the custody store)."""

    def __init__(
        self, keys: Any, settings: LogSettings, signer_in_session: Callable[[Session], Any] | None = None
    ) -> None:
        self.keys = keys
        self.settings = settings
        self._signer_in_session = signer_in_session or (lambda session: None)
        self._lock = threading.Lock()

    def latest(self, session: Session) -> Checkpoint | None:
        return session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))

    def publish(self, session: Session) -> Checkpoint | None:
        """Sign and store a checkpoint of the current tree if it grew; None if nothing new.

        The caller's transaction holds the log's writer lock (taken here too). The copy outside
        the database is written once that transaction commits: an outside checkpoint never names
        a tree the database does not durably hold."""
        from registry.ledger import lock_log, node_getter

        lock_log(session)
        signer = self._signer_in_session(session)
        size = tree_size(session)
        latest = self.latest(session)
        if size == 0 or (latest is not None and latest.tree_size >= size):
            return None
        root = merkle.root_at(size, node_getter(session))
        if signer is None:
            self.keys.ensure(LOG_BODY)
            signer = self.keys.signer(LOG_BODY)
        body = format_checkpoint(self.settings.origin, size, root)
        note = sign_note(body, self.settings.origin, signer)
        sm2_key = self.keys.current(LOG_SM2_BODY)
        if sm2_key is not None and sm2_key.alg == ALG_SM2:  # a 国密 line beside it, once the log has an SM2 key
            note = add_sm2_signature(note, self.settings.origin, self.keys.signer(LOG_SM2_BODY))
        cp = Checkpoint(tree_size=size, root_hash=root.hex(), note=note, created_at=utcnow())
        session.add(cp)
        session.flush()
        self._after_commit(session, cp)
        return cp

    def _after_commit(self, session: Session, cp: Checkpoint) -> None:
        if self.settings.checkpoint_dir is not None:
            session.info.setdefault(_OUTSIDE, []).append((self, cp.tree_size, cp.note))

    def write_outside(self, size: int, note: str) -> None:
        """Checkpoints are also kept outside the database, where a tamperer of it can't reach."""
        directory = self.settings.checkpoint_dir
        if directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{size:012d}.note"
        tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(note, encoding="utf-8")
        os.replace(tmp, path)

    def await_covering(self, sessions: Sessions, index: int, wait_ms: int) -> Checkpoint:
        """A checkpoint covering leaf `index`: an existing one, or one published now.

        Checkpoints are batched: a new one is signed at most every `checkpoint_interval_ms`,
        so receipts that arrive together share one; the wait is bounded by `wait_ms`.
        """
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            with sessions() as session:
                latest = self.latest(session)
                if latest is not None and latest.tree_size > index:
                    return latest
                age_ms = (utcnow() - latest.created_at).total_seconds() * 1000 if latest else 1e9
            if age_ms >= self.settings.checkpoint_interval_ms or time.monotonic() >= deadline:
                with self._lock:
                    try:
                        with sessions() as session, session.begin():
                            # Like a filing: on SQLite take the write lock up front, or a
                            # filing committed by another worker after our first read makes
                            # the insert fail ("database is locked": a stale WAL snapshot).
                            write_lock(session)
                            cp = self.publish(session)
                    except IntegrityError:  # another worker published the same size first
                        cp = None
                if cp is not None and cp.tree_size > index:
                    return cp
            if time.monotonic() >= deadline + 5:
                raise TimeoutError("no checkpoint covers the entry")
            time.sleep(min(0.01, max(0.0, self.settings.checkpoint_interval_ms / 1000 - age_ms / 1000)))
