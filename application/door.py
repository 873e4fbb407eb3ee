"""The door of an acceptance (XT-3.3.1, docs/design.md §12.1): read the application's facts under the
log's lock and refuse 两头受理 and 体外循环 before anything is written.

Runs inside the acceptance's write transaction (application.casework.accept_case); a refusal raises
ActRefused there, so the transaction rolls back: no case row, no log entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import calendar as cal
from registry.models import Place
from registry import signed_cases
from registry.services import platform
from registry.services.context import FilingContext
from rules.door import Acceptance, refusals
from rules.pack import Pack
from application.sealing import ActRefused


def door_check(
    ctx: FilingContext, pack: Pack, data: dict[str, Any], key: str, accepted_at: datetime
) -> tuple[str | None, datetime | None]:
    """(the application's platform number, the due time of its platform record when accepted
    during an outage and not yet reported); raises ActRefused with the reasons. The facts are the
    signed records (ctx.signed), never the rows: an edited row changes no acceptance."""
    session = ctx.session

    def read(state) -> platform.DoorFacts:
        return platform.door_facts(
            state, item=data["item"], platform_no=data.get("platform_no"), key=key, at=accepted_at
        )

    facts = ctx.signed(read, kinds=signed_cases.KINDS)
    app = facts.application
    places: dict[str, str] = {}
    if facts.open_cases or app is None or app.get("item") != data["item"]:  # names only for a refusal's words
        wanted = {data["place"]} | {c["place"] for c in facts.open_cases}
        places = dict(session.execute(select(Place.code, Place.name).where(Place.code.in_(wanted))).all())
    acceptance = Acceptance(
        item=data["item"],
        place=data["place"],
        place_name=places.get(data["place"], data["place"]),
        platform_no=facts.platform_no,
        application=facts.application,
        open_cases=facts.open_cases,
        in_outage=facts.outage is not None,
    )
    reasons = refusals(pack, acceptance, places)
    if reasons:
        raise ActRefused("不允许受理", reasons)
    if facts.application is None:  # accepted during a declared outage: the record is due in a working day
        return facts.platform_no, pending_due(session, accepted_at)
    return facts.platform_no, None


def pending_due(session: Session, accepted_at: datetime) -> datetime:
    """One working day after the acceptance; without calendar data, 24 hours (fails early, not late)."""
    try:
        return cal.WorkingCalendar.current(session).due_after_working_days(accepted_at, 1)
    except cal.CalendarPending:
        return accepted_at + timedelta(days=1)
