"""Limits every worker counts together: failed sign-ins per (address, user name), anonymous
receipt checks per address.

Counted in the database, not in each worker's memory: with N workers an in-memory limit lets
N times the attempts through, one worker at a time. Check and count are atomic: `take` runs
in a write transaction that first takes a lock for the key (BEGIN IMMEDIATE on SQLite, a
transaction-scoped advisory lock on PostgreSQL), so a concurrent burst gets exactly `count`
attempts through, never a few more.
Keys are stored as SHA-256 digests (with the scope), so the table holds no address or name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from registry.db import lock_key
from registry.models import ThrottleHit


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per key within `window`, in `scope`."""

    scope: str
    count: int
    window: timedelta


def key_digest(limit: Limit, key: str) -> str:
    return hashlib.sha256(f"{limit.scope}\x00{key}".encode()).hexdigest()


def wait(session: Session, limit: Limit, key: str, now: datetime) -> float:
    """Seconds until `key` may try again: 0 while it is under the limit."""
    times = session.scalars(
        select(ThrottleHit.at)
        .where(
            ThrottleHit.scope == limit.scope,
            ThrottleHit.key == key_digest(limit, key),
            ThrottleHit.at > now - limit.window,
        )
        .order_by(ThrottleHit.at.desc())
        .limit(limit.count)
    ).all()
    if len(times) < limit.count:
        return 0.0
    return max(1.0, (times[-1] + limit.window - now).total_seconds())


def record(session: Session, limit: Limit, key: str, now: datetime) -> None:
    """Count one hit for `key`, and forget this scope's hits that left the window."""
    session.execute(delete(ThrottleHit).where(ThrottleHit.scope == limit.scope, ThrottleHit.at <= now - limit.window))
    session.add(ThrottleHit(scope=limit.scope, key=key_digest(limit, key), at=now))


def lock(session: Session, limit: Limit, key: str) -> None:
    """Serialise check-and-count for `key` until the transaction ends. SQLite: the caller's
    BEGIN IMMEDIATE already holds the database's one write lock. PostgreSQL: an advisory lock
    on the key in this schema (registry.db.lock_key; two keys sharing its bits only wait for
    each other)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(bind, f"throttle:{key_digest(limit, key)}")}
        )


def hit(session: Session, limit: Limit, key: str, now: datetime) -> bool:
    """Count a hit if `key` is under the limit; False (and nothing counted) when it is not.
    Atomic when run in a write transaction (registry.db.transaction)."""
    return take(session, [(limit, key)], now) == 0


def take(session: Session, limits: list[tuple[Limit, str]], now: datetime) -> float:
    """Count one hit against every (limit, key) if all are under their limits and return 0;
    otherwise count nothing and return the longest wait. Locks the first key for the rest of
    the transaction, so callers that share it check and count one at a time."""
    lock(session, *limits[0])
    longest = max(wait(session, limit, key, now) for limit, key in limits)
    if longest:
        return longest
    for limit, key in limits:
        record(session, limit, key, now)
    return 0.0


def forget_newest(session: Session, limit: Limit, key: str) -> None:
    """Take back the newest hit of `key` (an attempt that turned out to be no abuse)."""
    newest = session.scalar(
        select(ThrottleHit.id)
        .where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key_digest(limit, key))
        .order_by(ThrottleHit.at.desc(), ThrottleHit.id.desc())
        .limit(1)
    )
    if newest is not None:
        session.execute(delete(ThrottleHit).where(ThrottleHit.id == newest))


def clear(session: Session, limit: Limit, key: str) -> None:
    """Forget `key`'s hits (a sign-in that succeeded)."""
    session.execute(
        delete(ThrottleHit).where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key_digest(limit, key))
    )
