"""The one scheduler's lease (docs/design.md §9, §12.5).

PostgreSQL: a session-level advisory lock, keyed by the schema (registry.db.lock_key), held on
a connection of the lease's own. The lock lives exactly as long as that connection: when the
connection is cut (network, a restart, `pg_terminate_backend`), the server frees the lock and
another scheduler may take it. So the holder renews the lease before every pass and between
its steps: it asks the server, on that same connection, whether it still holds the lock; if
the connection is gone or the lock is not its own, `renew` raises `LeaseLost` and the
scheduler stops at once.

SQLite (one machine): an exclusive `flock` on a file beside the database; renewing checks that
the file we locked is still the file at that path (a deleted lock file would let a second
scheduler lock a new one).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine

from registry.db import lock_key

_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND objsubid = 1 "
    "AND ((classid::bigint << 32) | objid::bigint) = :k)"
)


class AlreadyRunning(RuntimeError):
    """Another process holds the lease."""


class LeaseLost(RuntimeError):
    """The lease was lost while held: this process must stop scheduling at once."""


class _PgLease:
    def __init__(self, engine: Engine) -> None:
        self.key = lock_key(engine, "scheduler")
        self.conn = engine.connect()
        got = self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        self.conn.commit()
        if not got:
            self.conn.close()
            raise AlreadyRunning("另一个 scheduler 进程正在运行（PostgreSQL 咨询锁已被占用）")
        self.backend_pid = self.conn.execute(text("SELECT pg_backend_pid()")).scalar()
        self.conn.commit()

    def renew(self) -> None:
        try:
            held = self.conn.execute(_HELD, {"k": self.key}).scalar()
            self.conn.commit()
        except Exception as exc:
            raise LeaseLost(f"scheduler 租约已失去：与数据库的连接已断开（{type(exc).__name__}）") from exc
        if not held:
            raise LeaseLost("scheduler 租约已失去：咨询锁不再由本进程持有")

    def release(self) -> None:
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self.conn.commit()
        except Exception:  # the connection is gone: so is the lock
            pass
        finally:
            self.conn.invalidate()  # never back to the pool: a pooled connection must hold no lock


class _FileLease:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise AlreadyRunning(f"另一个 scheduler 进程正在运行（锁文件 {path}）") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, str(os.getpid()).encode())

    def renew(self) -> None:
        try:
            same = os.stat(self.path).st_ino == os.fstat(self.fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            raise LeaseLost(f"scheduler 租约已失去：锁文件 {self.path} 已被删除或替换")

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)


@contextlib.contextmanager
def hold(engine: Engine, lock_file: Path) -> Iterator[_PgLease | _FileLease]:
    """Hold the deployment's scheduler lease for the duration, or raise AlreadyRunning."""
    lease: _PgLease | _FileLease
    lease = _PgLease(engine) if engine.dialect.name == "postgresql" else _FileLease(lock_file)
    try:
        yield lease
    finally:
        lease.release()
