"""Accepting cases at a window (docs/design.md §3 Case, §6 clocks): ask first, then record.

The promised due time counts working days from the day after acceptance and ends with the
office hours of the due day; a year without calendar data leaves the clock pending
(fails closed) instead of guessing.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from registry import calendar as cal
from registry.models import Case, ItemVersion
from registry.services import cases as case_service
from registry.services.accounts import Principal
from registry.services._common import latest_item
from application.acts import OUTSIDE_CLAUSE, backdate_limit, bound_place, check_step_time, own_person
from application.runtime import actor_of
from application.sealing import refused
from vocab.clock import SHANGHAI



def accept_case(rt, principal: Principal, data: dict[str, Any]) -> Case:
    data = {**data, "place": bound_place(principal, data["place"], verdict="不允许受理"),
            "person": own_person(principal, data["person"], rule="case.own_credential", clause=OUTSIDE_CLAUSE[0],
                                 text=OUTSIDE_CLAUSE[1], what="受理", verdict="不允许受理")}
    check_step_time(data.get("accepted_at"), backdate_limit(rt), "accepted_at")
    decision = rt.policy.decide(data["person"], "accept", data["item"], at=data.get("accepted_at"),
                                place=data["place"], case=data["number"])
    if not decision["allowed"]:
        raise refused("不允许受理", decision)
    with rt.filing(actor_of(principal)) as ctx:
        accepted_at = data.get("accepted_at") or ctx.now
        item = latest_item(ctx.session, data["item"], published_only=True)
        due_at, pending = _due(ctx.session, item, accepted_at)
        secret = rt.ledger.commitment_key if hasattr(rt.ledger, "commitment_key") else b"onehall"
        key = case_service.application_key(secret, data["applicant"], data["item"],
                                           data.get("application_date") or accepted_at)
        case = case_service.open_case(ctx, {**data, "accepted_at": accepted_at}, key=key, due_at=due_at,
                                      clock_pending=pending, decision_id=decision["decision_id"])
        _two_headed(ctx, case)
    return case


def _due(session, item: ItemVersion | None, accepted_at):
    limit = item.promised_limit if item else None
    if item is None or item.case_type == "instant" or not limit:
        return None, False
    try:
        calendar = cal.WorkingCalendar.load(session)
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


def _two_headed(ctx, case: Case) -> None:
    """The same application accepted at another place: 两头受理 / 多头受理 (XT-3.3.1)."""
    others = list(ctx.session.scalars(select(Case).where(Case.application_key == case.application_key,
                                                         Case.number != case.number)))
    for other in others:
        if other.place != case.place:
            case_service.raise_alert(
                ctx, key=f"two_headed:{case.application_key}:{case.number}", rule="entry.no_double_acceptance",
                clause="XT-3.3.1", level="red", department=case.department, case=case.number,
                text=f"同一申请已于{other.place}受理（办件{other.number}），又在{case.place}受理：严禁两头受理")
