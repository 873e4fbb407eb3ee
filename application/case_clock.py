"""A case's clock as a window reads it (docs/design.md §6 clocks): the promised due time, the
working days left or overdue, counted with the working-day calendar, and a case step recorded
the way `POST /api/v1/cases/{number}/steps` records it (the caller's own person, a bound token's
place, no back-dating beyond the pack's limit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from registry import calendar as cal
from registry.inputs.filings import CaseStepIn
from registry.models import Case, CaseStep
from registry.services import cases as case_service
from registry.services.accounts import Principal
from application.acts import OUTSIDE_CLAUSE, backdate_limit, bound_place, check_step_time, own_person
from application.runtime import actor_of
from vocab.clock import SHANGHAI, as_utc

ENDED = {"issued": "出件", "returned": "退件"}


@dataclass
class Clock:
    state: str  # instant / pending / running / due_today / overdue / ended
    text: str  # one Chinese sentence
    due_at: datetime | None = None
    working_days: int | None = None


def _local(t: datetime) -> str:
    return as_utc(t).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def case_clock(session, case: Case, steps: list[CaseStep], now: datetime) -> Clock:
    """The clock of `case` at `now`, in one sentence."""
    if case.due_at is None:
        if case.clock_pending:
            return Clock("pending", "办结时限暂未计算：受理所在年份的工作日历尚未导入，导入后按承诺时限补算。")
        return Clock("instant", "即办件或无承诺时限的事项，不计办结时限。")
    due = as_utc(case.due_at)
    end = next((s for s in reversed(steps) if s.step in ENDED), None)
    try:
        calendar = cal.WorkingCalendar.load(session)
        if end is not None:
            late = as_utc(end.at) > due
            return Clock(
                "ended",
                f"已于 {_local(end.at)} {ENDED[end.step]}，承诺时限为 {_local(due)}，"
                f"{'超过承诺时限' if late else '在承诺时限内办结'}。",
                due,
            )
        if now > due:
            days = calendar.working_days_between(due, now)
            return Clock("overdue", f"已超过承诺时限（{_local(due)}）{days} 个工作日，请尽快办结。", due, -days)
        days = calendar.working_days_between(now, due)
        if days == 0:
            return Clock("due_today", f"今天到期：须在 {_local(due)} 前办结。", due, 0)
        return Clock("running", f"须在 {_local(due)} 前办结，还有 {days} 个工作日。", due, days)
    except cal.CalendarPending as exc:
        return Clock(
            "running", f"须在 {_local(due)} 前办结（{exc.year} 年工作日历尚未导入，剩余工作日暂不能计算）。", due
        )


def record_step(rt, principal: Principal, number: str, body: CaseStepIn) -> dict[str, Any]:
    """Record one step of a case in the caller's own name; a refusal (ActRefused, RegistryError)
    writes nothing."""
    verdict = "不允许记录此环节"
    step, at = body.step, body.at
    place = bound_place(principal, body.place, verdict=verdict, rt=rt)
    person = own_person(
        principal,
        body.person,
        rule="case.own_credential",
        clause=OUTSIDE_CLAUSE[0],
        text=OUTSIDE_CLAUSE[1],
        what="记录办件环节",
        verdict=verdict,
    )
    check_step_time(at, backdate_limit(rt))
    with rt.filing(actor_of(principal)) as ctx:
        if step == "agency":  # 帮办代办: a comprehensive window or the approval section (rules.agency)
            from application.agency import check_agency

            check_agency(ctx, rt.policy.engine.pack, number, person, place)
        row = case_service.add_step(ctx, number, step, person=person, place=place, at=at)
        return {
            "id": row.id,
            "case": number,
            "step": row.step,
            "at": row.at,
            "place": row.place,
            "log_index": row.log_index,
        }
