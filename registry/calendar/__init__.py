"""The working-day calendar and office-hours arithmetic (docs/design.md §3 Calendar, §6).

Data: one :class:`~registry.models.CalendarYear` per loaded year and one
:class:`~registry.models.CalendarDay` per day that differs from the Monday–Friday default
(a holiday on a weekday, or a make-up working day 调休上班 on a weekend). A year is
seeded from ``chinesecalendar`` (2004–2026 in the installed release) by
:func:`seed_from_chinesecalendar`; later years are imported by the government service
department from the State Council's notice with :func:`import_year`.

Arithmetic: :class:`WorkingCalendar` is loaded once from the database into memory and
answers working-day and office-hours questions. Anything that touches a year without
data raises :class:`CalendarPending` — the clock fails closed (the case is marked
"pending calendar") instead of guessing. Authorization decisions never use this module.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.calendar.loading import chinesecalendar_years, import_year, seed_from_chinesecalendar
from registry.calendar.working import (
    DEFAULT_OFFICE_HOURS,
    CalendarPending,
    OfficeHours,
    WorkingCalendar,
    add_office_hours,
)
from registry.models import CalendarDay, CalendarYear
from vocab.clock import SHANGHAI

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "SHANGHAI",
    "WARN_DAYS",
    "CalendarPending",
    "OfficeHours",
    "WorkingCalendar",
    "add_office_hours",
    "chinesecalendar_years",
    "import_year",
    "seed_from_chinesecalendar",
    "status",
]

WARN_DAYS = 60


def status(session: Session, today: date | None = None, warn_days: int = WARN_DAYS) -> dict:
    """What is loaded and how long it lasts; a warning when fewer than `warn_days` remain.

    ``last_day`` is the last day of the unbroken run of loaded years that starts with
    today's year; ``days_left`` counts the days after today up to it (0 when today's year is
    not loaded). Dates are ISO strings so the answer serialises as JSON directly.
    """
    today = today or datetime.now(SHANGHAI).date()
    rows = session.execute(select(CalendarYear.year, CalendarYear.source).order_by(CalendarYear.year)).all()
    years = [y for y, _ in rows]
    counts = dict(session.execute(select(CalendarDay.year, func.count()).group_by(CalendarDay.year)).all())
    loaded = set(years)
    if today.year in loaded:
        y = today.year
        while y + 1 in loaded:
            y += 1
        last = date(y, 12, 31)
        days_left = (last - today).days
    else:
        last = date(max(years), 12, 31) if years else None
        days_left = 0
    warning = None
    if today.year not in loaded:
        warning = (
            f"{today.year}年的工作日历尚未导入，按工作日计时的时限暂停（待日历）；"
            f"请尽快导入国务院办公厅公布的{today.year}年节假日安排。"
        )
    elif days_left < warn_days:
        nxt = last.year + 1
        warning = (
            f"已导入的工作日历将于{last.isoformat()}用完（剩余{days_left}天，少于{warn_days}天）；"
            f"请在国务院办公厅公布{nxt}年节假日安排后导入{nxt}年日历。"
        )
    return {
        "today": today.isoformat(),
        "years": years,
        "first_day": date(years[0], 1, 1).isoformat() if years else None,
        "last_day": last.isoformat() if last else None,
        "days_left": days_left,
        "warn_days": warn_days,
        "warning": warning,
        "sources": dict(rows),
        "stored_days": {y: counts.get(y, 0) for y in years},
    }
