"""Record that the caller read personal data (absence reasons, people's details)."""

from __future__ import annotations

from typing import Iterable

from flask import g, request

from registry.services.access import record_reads
from web.context import runtime


def note_personal_reads(people: Iterable[int], what: str) -> None:
    ids = [p for p in people if p is not None]
    principal = getattr(g, "principal", None)
    if not ids or principal is None:
        return
    with runtime().filing_session() as session:
        record_reads(
            session,
            user=principal.name,
            role=principal.role,
            people=ids,
            what=what,
            via=f"{request.method} {request.path}",
        )
