"""registry.services.throttle: limits counted in the database, so every worker counts together."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from registry.models import ThrottleHit
from registry.services import throttle
from registry.services.throttle import Limit

T0 = datetime(2026, 12, 6, 9, tzinfo=timezone.utc)
THREE = Limit("test", 3, timedelta(minutes=5))


def count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ThrottleHit))


def test_a_key_over_the_limit_waits_until_its_oldest_hit_leaves_the_window(sessions):
    with sessions.begin() as session:
        for minute in range(3):
            assert throttle.wait(session, THREE, "10.0.0.1\x00fgw", T0 + timedelta(minutes=minute)) == 0
            throttle.record(session, THREE, "10.0.0.1\x00fgw", T0 + timedelta(minutes=minute))
    with sessions() as session:
        now = T0 + timedelta(minutes=3)
        assert throttle.wait(session, THREE, "10.0.0.1\x00fgw", now) == 120.0  # the first hit leaves at 09:05
        assert throttle.wait(session, THREE, "10.0.0.1\x00ga", now) == 0  # another key is not held
        assert throttle.wait(session, THREE, "10.0.0.1\x00fgw", T0 + timedelta(minutes=5, seconds=1)) == 0


def test_hit_counts_only_while_under_the_limit(sessions):
    with sessions.begin() as session:
        results = [throttle.hit(session, THREE, "10.0.0.9", T0 + timedelta(seconds=s)) for s in range(5)]
    assert results == [True, True, True, False, False]
    assert count(sessions) == 3


def test_clear_forgets_one_key_and_recording_forgets_expired_hits(sessions):
    with sessions.begin() as session:
        for key in ("a", "b"):
            throttle.record(session, THREE, key, T0)
    with sessions.begin() as session:
        throttle.clear(session, THREE, "a")
    assert count(sessions) == 1
    with sessions.begin() as session:
        throttle.record(session, THREE, "c", T0 + timedelta(minutes=6))  # "b" has left the window
    with sessions() as session:
        assert session.scalars(select(ThrottleHit.key)).all() == [throttle.key_digest(THREE, "c")]


def test_keys_are_kept_as_digests_per_scope(sessions):
    other = Limit("other", 3, timedelta(minutes=5))
    with sessions.begin() as session:
        throttle.record(session, THREE, "10.0.0.1\x00zhang", T0)
        throttle.record(session, other, "10.0.0.1\x00zhang", T0)
    with sessions() as session:
        keys = session.scalars(select(ThrottleHit.key)).all()
    assert len(set(keys)) == 2 and all(len(k) == 64 and "10.0.0.1" not in k for k in keys)
