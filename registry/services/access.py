"""Reads of personal data are themselves recorded: who looked at whom, when, through what."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import PersonalDataRead


def record_reads(session: Session, *, user: str, role: str, people: Iterable[int], what: str, via: str) -> int:
    """One row per person shown; the caller commits it with (or after) the read."""
    now = utcnow()
    rows = [
        PersonalDataRead(user=user, role=role, subject_person=p, what=what, via=via[:200], at=now)
        for p in sorted(set(people))
    ]
    session.add_all(rows)
    return len(rows)
