"""Working days and office hours in memory: :class:`WorkingCalendar` answers the clocks' questions
(docs/design.md §3 Calendar, §6); a year without data raises :class:`CalendarPending` (fails closed)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from registry.errors import RegistryError
from registry.models import CalendarDay, CalendarYear
from vocab.clock import SHANGHAI


class CalendarPending(RegistryError):
    """Working-day arithmetic reached a year whose calendar is not loaded (fails closed)."""

    status = 409
    title = "工作日历待导入"

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的工作日历尚未导入，无法按工作日计算时限：请政务服务部门依据国务院办公厅"
            f"公布的{year}年部分节假日安排通知，在政务服务中心工作台的“工作日历”页导入该年日历，"
            f"导入前相关计时标记为“待日历”。"
        )


# ---------------------------------------------------------------------------------------
# Office hours and the in-memory calendar
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeHours:
    """The hall's office hours on a working day (a pack parameter; docs/design.md §6 default)."""

    periods: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
    tz: ZoneInfo = SHANGHAI

    def __post_init__(self) -> None:
        last = time(0, 0)
        for start, end in self.periods:
            if not (last <= start < end):
                raise ValueError("办公时段须按时间先后排列且互不重叠")
            last = end

    @classmethod
    def parse(cls, spec: Iterable[str | Iterable[str]], tz: str = "Asia/Shanghai") -> "OfficeHours":
        """From the pack parameter ``[["09:00", "12:00"], ["13:30", "17:30"]]`` or from
        strings like ``["09:00-12:00", "13:30-17:30"]``."""
        periods = []
        for item in spec:
            if isinstance(item, str):
                a, b = item.replace("–", "-").split("-")
            else:
                a, b = item
            periods.append((time.fromisoformat(str(a).strip()), time.fromisoformat(str(b).strip())))
        return cls(tuple(periods), ZoneInfo(tz))

    @property
    def seconds_per_day(self) -> float:
        return sum(_span(s, e) for s, e in self.periods)


DEFAULT_OFFICE_HOURS = OfficeHours()


def _weekdays_upto(ordinal: int) -> int:
    """Monday–Friday days among proleptic ordinals 1..n (ordinal 1, 0001-01-01, is a Monday)."""
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


def _span(start: time, end: time) -> float:
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()


_CURRENT: dict[tuple, "WorkingCalendar"] = {}  # WorkingCalendar.current: by database and calendar mark


@dataclass
class WorkingCalendar:
    """Working days in memory: the loaded years and the days that differ from Mon–Fri."""

    years: frozenset[int]
    holidays: frozenset[date] = frozenset()  # weekdays off
    makeup_days: frozenset[date] = frozenset()  # weekend days worked (调休上班)
    names: dict[date, str] = field(default_factory=dict)
    office: OfficeHours = DEFAULT_OFFICE_HOURS

    @classmethod
    def load(cls, session: Session, office: OfficeHours = DEFAULT_OFFICE_HOURS) -> "WorkingCalendar":
        years = frozenset(session.scalars(select(CalendarYear.year)))
        holidays, makeup, names = set(), set(), {}
        for day, working, name in session.execute(select(CalendarDay.day, CalendarDay.working, CalendarDay.name)):
            (makeup if working else holidays).add(day)
            if name:
                names[day] = name
        return cls(years, frozenset(holidays), frozenset(makeup), names, office)

    @classmethod
    def current(cls, session: Session, office: OfficeHours = DEFAULT_OFFICE_HOURS) -> "WorkingCalendar":
        """`load`, kept while the calendar is unchanged: one aggregate read (years, days, working
        days, last day) tells whether any worker imported or corrected it since, instead of
        reading every day of every year on each acceptance."""
        mark = (
            str(session.get_bind().url),
            office,
            session.scalar(select(func.count()).select_from(CalendarYear)),
            *session.execute(
                select(
                    func.count(), func.sum(case((CalendarDay.working.is_(True), 1), else_=0)), func.max(CalendarDay.day)
                )
            ).one(),
        )
        found = _CURRENT.get(mark)
        if found is None:
            found = cls.load(session, office)
            if len(_CURRENT) > 16:
                _CURRENT.clear()
            _CURRENT[mark] = found
        return found

    # -- days ---------------------------------------------------------------------------

    def _date(self, value: date | datetime) -> date:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("须使用带时区的时间")
            return value.astimezone(self.office.tz).date()
        return value

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date | datetime) -> bool:
        d = self._date(day)
        if d.year not in self.years:
            raise CalendarPending(d.year)
        if d in self.holidays:
            return False
        if d in self.makeup_days:
            return True
        return d.weekday() < 5

    def day_name(self, day: date) -> str | None:
        return self.names.get(day)

    def add_working_days(self, day: date | datetime, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0); n = 0 gives `day`."""
        d = self._date(day)
        step = 1 if n >= 0 else -1
        left = abs(n)
        while left:
            d += timedelta(days=step)
            if self.is_working_day(d):
                left -= 1
        return d

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days d with a < d ≤ b (negative when b < a).

        ``working_days_between(a, add_working_days(a, n)) == n`` for every n. Counted in
        O(log n): weekdays by arithmetic, then the holidays and make-up days in the range.
        """
        a, b = self._date(a), self._date(b)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        if a == b:
            return 0
        for year in range((a + timedelta(days=1)).year, b.year + 1):
            if year not in self.years:
                raise CalendarPending(year)
        count = _weekdays_upto(b.toordinal()) - _weekdays_upto(a.toordinal())
        count -= bisect_right(self._off, b) - bisect_right(self._off, a)
        count += bisect_right(self._on, b) - bisect_right(self._on, a)
        return sign * count

    def __post_init__(self) -> None:
        # Sorted weekday holidays and weekend make-up days, for range counts by bisection.
        self._off = sorted(d for d in self.holidays if d.weekday() < 5)
        self._on = sorted(d for d in self.makeup_days if d.weekday() >= 5)

    def calendar_days_in_working_days(self, reference: date | datetime, days: int) -> int:
        """How many working days `days` calendar days from `reference` span (docs/design.md §6)."""
        ref = self._date(reference)
        return self.working_days_between(ref, ref + timedelta(days=days))

    # -- office hours -------------------------------------------------------------------

    def _periods(self, d: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(d):
            return []
        tz = self.office.tz
        return [(datetime.combine(d, s, tz), datetime.combine(d, e, tz)) for s, e in self.office.periods]

    def end_of_office_day(self, day: date | datetime) -> datetime:
        """The end of the last office period of a working day (the due moment of a limit)."""
        d = self._date(day)
        periods = self._periods(d)
        if not periods:
            raise ValueError(f"{d.isoformat()} 不是工作日")
        return periods[-1][1].astimezone(timezone.utc)

    def due_after_working_days(self, start: datetime, n: int) -> datetime:
        """A limit of n working days from `start`: end of office hours on the due day."""
        return self.end_of_office_day(self.add_working_days(start, n))

    def add_office_hours(self, start: datetime, hours: float | timedelta) -> datetime:
        """`start` plus `hours` counted only in office hours of working days (UTC, aware).

        A start outside office hours begins at the next opening; a result that falls
        exactly on the end of a period stays there (e.g. 12:00, not 13:30).
        """
        if start.tzinfo is None:
            raise ValueError("须使用带时区的时间")
        remaining = hours.total_seconds() if isinstance(hours, timedelta) else float(hours) * 3600
        if remaining < 0:
            raise ValueError("小时数不能为负")
        local = start.astimezone(self.office.tz)
        if remaining == 0:
            return start.astimezone(timezone.utc)
        d = local.date()
        cursor = local
        for _ in range(366 * 50):
            for p_start, p_end in self._periods(d):
                if cursor >= p_end:
                    continue
                begin = max(cursor, p_start)
                available = (p_end - begin).total_seconds()
                if remaining <= available:
                    return (begin + timedelta(seconds=remaining)).astimezone(timezone.utc)
                remaining -= available
            d += timedelta(days=1)
            cursor = datetime.combine(d, time(0, 0), self.office.tz)
        raise RuntimeError("no working day found in 50 years")  # pragma: no cover

    def office_seconds_between(self, a: datetime, b: datetime) -> float:
        """Office-hours seconds in [a, b) (negative when b < a)."""
        if a.tzinfo is None or b.tzinfo is None:
            raise ValueError("须使用带时区的时间")
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        tz = self.office.tz
        la, lb = a.astimezone(tz), b.astimezone(tz)
        total = 0.0
        d = la.date()
        while d <= lb.date():
            for p_start, p_end in self._periods(d):
                lo, hi = max(p_start, la), min(p_end, lb)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            d += timedelta(days=1)
        return sign * total


def add_office_hours(
    session: Session, start: datetime, hours: float | timedelta, office: OfficeHours = DEFAULT_OFFICE_HOURS
) -> datetime:
    """Convenience: load the calendar and add office hours (see :class:`WorkingCalendar`)."""
    return WorkingCalendar.load(session, office).add_office_hours(start, hours)
