"""Limits every worker counts together: failed sign-ins per (address, user name), anonymous
receipt checks per address.

Counted in the database, not in each worker's memory: with N workers an in-memory limit lets
N times the attempts through, one worker at a time. The check and the count are two statements,
so two workers racing may let one attempt more through; a limit here is a brake, not a lock.
Keys are stored as SHA-256 digests (with the scope), so the table holds no address or name.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

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
        .where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key_digest(limit, key),
               ThrottleHit.at > now - limit.window)
        .order_by(ThrottleHit.at.desc()).limit(limit.count)).all()
    if len(times) < limit.count:
        return 0.0
    return max(1.0, (times[-1] + limit.window - now).total_seconds())


def record(session: Session, limit: Limit, key: str, now: datetime) -> None:
    """Count one hit for `key`, and forget this scope's hits that left the window."""
    session.execute(delete(ThrottleHit).where(ThrottleHit.scope == limit.scope,
                                              ThrottleHit.at <= now - limit.window))
    session.add(ThrottleHit(scope=limit.scope, key=key_digest(limit, key), at=now))


def hit(session: Session, limit: Limit, key: str, now: datetime) -> bool:
    """Count a hit if `key` is under the limit; False (and nothing counted) when it is not."""
    if wait(session, limit, key, now):
        return False
    record(session, limit, key, now)
    return True


def clear(session: Session, limit: Limit, key: str) -> None:
    """Forget `key`'s hits (a sign-in that succeeded)."""
    session.execute(delete(ThrottleHit).where(ThrottleHit.scope == limit.scope,
                                              ThrottleHit.key == key_digest(limit, key)))
