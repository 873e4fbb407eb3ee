"""Clocks and alerts on cases (docs/design.md §3 Case/Alerts, §6 office hours, §9 scheduler).

Run by the one scheduler process (application/scheduler.py) with an explicit ``now``:

- **yellow** (XT-3.6 全流程电子监察): an open case (no ``issued`` step) whose elapsed office time
  since acceptance reaches 90% of its promised time, both measured in office hours of working
  days (``WorkingCalendar.office_seconds_between``);
- **red** (XT-3.6): an open case past its ``due_at``; the case's yellow alert is then resolved
  as superseded;
- **response** (XT-3.3.2 事进人不进, 1小时响应): a case of an item whose department had a live
  Delegation at acceptance, not ``taken_up`` within the response time (1 office hour, a pack
  parameter) of acceptance by the department's chief representative (or the B post acting) at a
  hall place or on the platform (registry.services.response);
- **outside_system** (XT-3.3.1 体外循环): a case with ``platform_record`` false;
- **internal_office** (XT-3.3.1 严禁在内部科室受理审批): a case of an entered item accepted (or
  decided) in an ``internal_office`` place.

Alerts are idempotent: each has a unique key (``yellow:{case}``, ``red:{case}``, ...), so a
restart neither loses nor repeats one. When a case is issued its clock alerts (yellow, red,
response) are resolved; the violations (体外循环, internal office, 两头受理) stay for the
auditor, since issuing the case does not undo them. A case whose clock was pending for want
of calendar data gets its due time once the year is loaded (a signed ``case_clock`` record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import and_, exists, or_, select

from registry.calendar import CalendarPending, WorkingCalendar
from registry.models import Alert, Case, CaseStep, Delegation, ItemVersion, Place
from registry.services.cases import raise_alert
from registry.services.response import ResponseJudge
from registry.services.context import FilingContext, iso
from vocab.clock import SHANGHAI

YELLOW_FRACTION = 0.9
CLOCK_RULES = ("clock.yellow", "clock.red", "clock.delegated_response")

# rule → (clause, level, key prefix): the clause each alert cites
ALERT_RULES = {
    "clock.yellow": ("XT-3.6", "yellow", "yellow"),
    "clock.red": ("XT-3.6", "red", "red"),
    "clock.delegated_response": ("XT-3.3.2", "red", "response"),
    "entry.outside_system": ("XT-3.3.1", "red", "outside_system"),
    "entry.internal_office": ("XT-3.3.1", "red", "internal_office"),
}


@dataclass
class ClockResult:
    raised: list[str] = field(default_factory=list)  # alert keys
    resolved: list[str] = field(default_factory=list)
    clocks_set: list[str] = field(default_factory=list)  # cases whose pending clock got a due time
    still_pending: list[str] = field(default_factory=list)  # cases still waiting for calendar data
    pending: set[int] = field(default_factory=set)  # years without calendar data

    def as_dict(self) -> dict:
        return {
            "raised": self.raised,
            "resolved": self.resolved,
            "clocks_set": self.clocks_set,
            "clock_pending": len(self.still_pending),
            "pending_years": sorted(self.pending),
        }


def _local(t: datetime) -> str:
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _raise(ctx: FilingContext, result: ClockResult, rule: str, case: Case | SimpleNamespace, text: str) -> None:
    clause, level, prefix = ALERT_RULES[rule]
    key = f"{prefix}:{case.number}"
    if (
        raise_alert(
            ctx, key=key, rule=rule, clause=clause, level=level, text=text, department=case.department, case=case.number
        )
        is not None
    ):
        result.raised.append(key)


def _resolve(ctx: FilingContext, result: ClockResult, alerts: Iterable[Alert], at: datetime) -> None:
    for a in alerts:
        if a.state != "resolved":
            a.state, a.resolved_at = "resolved", at
            result.resolved.append(a.key)


def _issued_at(ctx: FilingContext, numbers: list[str]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for i in range(0, len(numbers), 5000):  # bounded IN lists on both backends
        rows = ctx.session.execute(
            select(CaseStep.case, CaseStep.at).where(
                CaseStep.step == "issued", CaseStep.case.in_(numbers[i : i + 5000])
            )
        )
        for case, at in rows:
            if case not in out or at < out[case]:
                out[case] = at
    return out


def run_clocks(
    ctx: FilingContext,
    now: datetime,
    calendar: WorkingCalendar,
    *,
    response_hours: float = 1.0,
    due_of: Callable[[Case], tuple[datetime | None, bool]] | None = None,
) -> ClockResult:
    """One pass over the cases at `now` (see the module docstring). `due_of(case)` computes
    the due time of a case whose clock is pending (the web layer's promise arithmetic)."""
    result = ClockResult()
    session = ctx.session
    # Clock alerts of issued cases are resolved (only the unresolved ones are read).
    unresolved = list(session.scalars(select(Alert).where(Alert.rule.in_(CLOCK_RULES), Alert.state != "resolved")))
    issued = _issued_at(ctx, sorted({a.case for a in unresolved if a.case}))
    for a in unresolved:
        if a.case in issued:
            _resolve(ctx, result, [a], max(issued[a.case], a.raised_at))

    open_cases = list(
        session.scalars(
            select(Case)
            .where(~exists().where(and_(CaseStep.case == Case.number, CaseStep.step == "issued")))
            .where(Case.accepted_at <= now)
            .order_by(Case.accepted_at)
        )
    )
    have: set[str] = set()
    numbers = [c.number for c in open_cases]
    for i in range(0, len(numbers), 5000):  # bounded IN lists on both backends
        have.update(session.scalars(select(Alert.key).where(Alert.case.in_(numbers[i : i + 5000]))))

    for case in open_cases:
        if case.clock_pending and case.due_at is None and due_of is not None:
            due, pending = due_of(case)
            if not pending and due is not None:
                case.due_at, case.clock_pending = due, False
                ctx.log(
                    "case_clock",
                    {"case": case.number, "due_at": iso(due), "reason": "工作日历已导入，补算承诺时限"},
                    ref=case.number,
                )
                ctx.changed("case", case.number)
                result.clocks_set.append(case.number)
            else:
                result.still_pending.append(case.number)
        try:
            _case_clock(ctx, result, case, now, calendar, have)
        except CalendarPending as exc:
            result.pending.add(exc.year)
    _delegated_response(ctx, result, open_cases, now, calendar, response_hours, have)
    _violations(ctx, result, now)
    return result


def _case_clock(
    ctx: FilingContext, result: ClockResult, case: Case, now: datetime, calendar: WorkingCalendar, have: set[str]
) -> None:
    if case.due_at is None:
        return  # an instant item, or a clock still pending
    if now >= case.due_at:
        if f"red:{case.number}" not in have:
            _raise(
                ctx,
                result,
                "clock.red",
                case,
                f"办件{case.number}已超过承诺时限（应于{_local(case.due_at)}前办结），仍未出件",
            )
            _resolve(ctx, result, ctx.session.scalars(select(Alert).where(Alert.key == f"yellow:{case.number}")), now)
        return
    if f"yellow:{case.number}" in have:
        return
    total = calendar.office_seconds_between(case.accepted_at, case.due_at)
    if total <= 0:
        return
    elapsed = calendar.office_seconds_between(case.accepted_at, now)
    if elapsed >= YELLOW_FRACTION * total:
        left = max(0.0, total - elapsed) / 3600
        _raise(
            ctx,
            result,
            "clock.yellow",
            case,
            f"办件{case.number}已用去承诺时限的{elapsed / total:.0%}（按办公时间计），"
            f"剩余约{left:.1f}个办公小时，应于{_local(case.due_at)}前办结",
        )


def _delegated_response(
    ctx: FilingContext,
    result: ClockResult,
    cases: list[Case],
    now: datetime,
    calendar: WorkingCalendar,
    response_hours: float,
    have: set[str],
) -> None:
    """事进人不进: the chief representative responds within 1 office hour (XT-3.3.2)."""
    departments = {c.department for c in cases if f"response:{c.number}" not in have}
    if not departments:
        return
    delegations: dict[str, list[Delegation]] = {}
    for d in ctx.session.scalars(select(Delegation).where(Delegation.department.in_(departments))):
        delegations.setdefault(d.department, []).append(d)
    candidates = []
    for case in cases:
        if f"response:{case.number}" in have:
            continue
        if any(
            d.from_ <= case.accepted_at
            and (d.to is None or case.accepted_at < d.to)
            and (d.items == "*" or case.item in (d.items or []))
            for d in delegations.get(case.department, ())
        ):
            candidates.append(case)
    # only the chief representative (or the B post acting) at a hall place or on the platform
    # stops the clock (docs/design.md §12.2; registry.services.response)
    judge = ResponseJudge(ctx.session, {c.department for c in candidates})
    by_number = {c.number: c for c in candidates}
    taken: dict[str, datetime] = {}
    numbers = list(by_number)
    for i in range(0, len(numbers), 5000):
        for case_no, at, place, person in ctx.session.execute(
            select(CaseStep.case, CaseStep.at, CaseStep.place, CaseStep.person).where(
                CaseStep.step == "taken_up", CaseStep.case.in_(numbers[i : i + 5000])
            )
        ):
            if not judge.meets(by_number[case_no], person, place, at):
                continue
            if case_no not in taken or at < taken[case_no]:
                taken[case_no] = at
    for case in candidates:
        try:
            deadline = calendar.add_office_hours(case.accepted_at, response_hours)
        except CalendarPending as exc:
            result.pending.add(exc.year)
            continue
        took = taken.get(case.number)
        if took is not None and took <= deadline:
            continue
        if now < deadline:
            continue
        late = (
            f"首席代表于{_local(took)}才在政务大厅或一体化平台承办"
            if took is not None
            else "至今没有首席代表在政务大厅或一体化平台承办"
        )
        _raise(
            ctx,
            result,
            "clock.delegated_response",
            case,
            f"委托受理（事进人不进）的办件{case.number}于{_local(case.accepted_at)}受理，"
            f"应在{response_hours:g}个办公小时内（{_local(deadline)}前）由首席代表响应，{late}",
        )


def _violations(ctx: FilingContext, result: ClockResult, now: datetime) -> None:
    """体外循环 and acceptance in an internal office, on every case not yet alerted (XT-3.3.1).
    A case accepted during a platform outage is 体外循环 only once its platform record is overdue."""
    session = ctx.session
    no_alert = lambda prefix: ~exists().where(Alert.key == prefix + Case.number)  # noqa: E731
    for case in _signed_outside_system(ctx, now):
        overdue = (
            f"平台停机期间受理，应于{_local(case.platform_due_at)}前补录一体化平台申报记录，逾期未补录"
            if case.pending_platform
            else "没有一体化平台记录"
        )
        _raise(ctx, result, "entry.outside_system", case, f"办件{case.number}{overdue}：严禁体外循环")
    internal = select(Place.code).where(Place.kind == "internal_office")
    in_office_step = exists().where(
        and_(CaseStep.case == Case.number, CaseStep.step.in_(("accepted", "decided")), CaseStep.place.in_(internal))
    )
    candidates = session.scalars(
        select(Case).where(or_(Case.place.in_(internal), in_office_step)).where(no_alert("internal_office:"))
    )
    for case in candidates:
        item = session.scalar(
            select(ItemVersion)
            .where(ItemVersion.code == case.item, ItemVersion.status == "published")
            .order_by(ItemVersion.version.desc())
            .limit(1)
        )
        if item is None or not item.entry:
            continue
        step = session.scalar(
            select(CaseStep)
            .where(
                CaseStep.case == case.number, CaseStep.step.in_(("accepted", "decided")), CaseStep.place.in_(internal)
            )
            .order_by(CaseStep.at)
            .limit(1)
        )
        where = step.place if step is not None else case.place
        place = session.get(Place, where)
        act = "审批" if step is not None and step.step == "decided" else "受理"
        _raise(
            ctx,
            result,
            "entry.internal_office",
            case,
            f"进驻事项“{item.name}”的办件{case.number}在内部科室“{place.name if place else where}”{act}："
            f"严禁在内部科室受理审批",
        )


def _signed_outside_system(ctx: FilingContext, now: datetime) -> list[SimpleNamespace]:
    """The cases without a platform record (or whose record, pending since an outage, is overdue)
    and no 体外循环 alert yet, as their signed records state them, never the rows: an edited
    `platform_record`, `pending_platform` or due time hides no case (docs/design.md §12.3). A case
    logged before its record carried the due time takes it from its row."""
    from registry.signed_cases import CASE_KINDS

    found = ctx.signed(
        lambda state: [dict(c) for c in state.tables["cases"].values() if not c["platform_record"]], kinds=CASE_KINDS
    )
    legacy = [c["number"] for c in found if c["pending_platform"] and "platform_due_at" not in c]
    due = (
        dict(ctx.session.execute(select(Case.number, Case.platform_due_at).where(Case.number.in_(legacy))))
        if legacy
        else {}
    )
    out = []
    for c in found:
        c.setdefault("platform_due_at", due.get(c["number"]))
        if c["pending_platform"] and (c["platform_due_at"] is None or c["platform_due_at"] > now):
            continue
        out.append(SimpleNamespace(**c))
    alerted = set()
    keys = [f"outside_system:{c.number}" for c in out]
    for i in range(0, len(keys), 5000):  # bounded IN lists on both backends
        alerted.update(ctx.session.scalars(select(Alert.key).where(Alert.key.in_(keys[i : i + 5000]))))
    return sorted((c for c in out if f"outside_system:{c.number}" not in alerted), key=lambda c: c.accepted_at)


def open_case_numbers(session) -> list[str]:
    return list(
        session.scalars(
            select(Case.number).where(~exists().where(and_(CaseStep.case == Case.number, CaseStep.step == "issued")))
        )
    )
