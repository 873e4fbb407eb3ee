"""Accepting cases at a window (docs/design.md §3 Case, §6 clocks): ask first, then record.

The promised due time counts working days from the day after acceptance and ends with the
office hours of the due day; a year without calendar data leaves the clock pending
(fails closed) instead of guessing.
"""

from __future__ import annotations

from datetime import timedelta
from registry import calendar as cal
from registry.inputs.filings import CaseIn
from registry.models import Case, ItemVersion
from registry.services import cases as case_service
from registry.services.accounts import Principal
from application.acts import OUTSIDE_CLAUSE, backdate_limit, bound_place, check_step_time, own_person
from application.runtime import actor_of
from application.door import door_check
from application.sealing import refused
from vocab.clock import SHANGHAI


def accept_case(rt, principal: Principal, body: CaseIn) -> Case:
    """Decide the acceptance (the engine, then the door under the log's lock), then record it.
    A refusal raises ActRefused (application.sealing) inside the transaction: no case row, no log entry."""
    data = body.model_dump()
    data = {
        **data,
        "place": bound_place(principal, data["place"], verdict="不允许受理", rt=rt),
        "person": own_person(
            principal,
            data["person"],
            rule="case.own_credential",
            clause=OUTSIDE_CLAUSE[0],
            text=OUTSIDE_CLAUSE[1],
            what="受理",
            verdict="不允许受理",
        ),
    }
    check_step_time(data.get("accepted_at"), backdate_limit(rt), "accepted_at")
    decision = rt.policy.decide(data["person"], "accept", data["item"], at=data.get("accepted_at"), place=data["place"])
    if not decision["allowed"]:
        raise refused("不允许受理", decision)
    with rt.filing(actor_of(principal)) as ctx:
        accepted_at = data.get("accepted_at") or ctx.now
        item = rt.published_items.get(ctx.session, data["item"])
        due_at, pending = _due(ctx.session, item, accepted_at)
        secret = rt.ledger.commitment_key if hasattr(rt.ledger, "commitment_key") else b"onehall"
        key = case_service.application_key(
            secret, data["applicant"], data["item"], data.get("application_date") or accepted_at
        )
        platform_no, platform_due = door_check(ctx, rt.policy.engine.pack, data, key, accepted_at)
        case = case_service.open_case(
            ctx,
            {**data, "accepted_at": accepted_at},
            key=key,
            due_at=due_at,
            clock_pending=pending,
            decision_id=decision["decision_id"],
            platform_no=platform_no,
            platform_due_at=platform_due,
            item=item,
        )
    return case


def _due(session, item: ItemVersion | None, accepted_at):
    limit = item.promised_limit if item else None
    if item is None or item.case_type == "instant" or not limit:
        return None, False
    try:
        calendar = cal.WorkingCalendar.current(session)
        if limit["unit"] == "working_day":
            return calendar.due_after_working_days(accepted_at, int(round(limit["value"]))), False
        if limit["unit"] == "hour":
            return calendar.add_office_hours(accepted_at, float(limit["value"])), False
        # calendar days (a month counts 30, docs/design.md §6); a due day off moves to the next working day
        days = int(limit["value"] * (30 if limit["unit"] == "month" else 1))
        day = accepted_at.astimezone(SHANGHAI).date() + timedelta(days=days)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        return calendar.end_of_office_day(day), False
    except cal.CalendarPending:
        return None, True
