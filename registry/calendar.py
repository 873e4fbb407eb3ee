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

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import IO, Iterable
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.errors import ErrorList, FieldError, Invalid, RegistryError
from registry.models import CalendarDay, CalendarYear
from vocab.clock import SHANGHAI

WARN_DAYS = 60


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


@dataclass
class WorkingCalendar:
    """Working days in memory: the loaded years and the days that differ from Mon–Fri."""

    years: frozenset[int]
    holidays: frozenset[date] = frozenset()       # weekdays off
    makeup_days: frozenset[date] = frozenset()    # weekend days worked (调休上班)
    names: dict[date, str] = field(default_factory=dict)
    office: OfficeHours = DEFAULT_OFFICE_HOURS

    @classmethod
    def load(cls, session: Session, office: OfficeHours = DEFAULT_OFFICE_HOURS) -> "WorkingCalendar":
        years = frozenset(session.scalars(select(CalendarYear.year)))
        holidays, makeup, names = set(), set(), {}
        for day, working, name in session.execute(
                select(CalendarDay.day, CalendarDay.working, CalendarDay.name)):
            (makeup if working else holidays).add(day)
            if name:
                names[day] = name
        return cls(years, frozenset(holidays), frozenset(makeup), names, office)

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


def add_office_hours(session: Session, start: datetime, hours: float | timedelta,
                     office: OfficeHours = DEFAULT_OFFICE_HOURS) -> datetime:
    """Convenience: load the calendar and add office hours (see :class:`WorkingCalendar`)."""
    return WorkingCalendar.load(session, office).add_office_hours(start, hours)


# ---------------------------------------------------------------------------------------
# Seeding from chinesecalendar
# ---------------------------------------------------------------------------------------


def chinesecalendar_years() -> list[int]:
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def seed_from_chinesecalendar(session: Session, years: Iterable[int] | None = None) -> list[int]:
    """Load the years chinesecalendar covers that are not loaded yet; returns those added.

    Idempotent: a year already in the database (seeded or imported) is kept as it is.
    """
    import chinese_calendar
    from chinese_calendar import constants

    chinese = {h.value: h.chinese for h in constants.Holiday}
    wanted = set(chinesecalendar_years() if years is None else years)
    available = set(chinesecalendar_years())
    missing = sorted(wanted - available)
    if missing:
        raise ValueError(f"chinesecalendar 不含 {missing} 年的数据")
    have = set(session.scalars(select(CalendarYear.year)))
    todo = sorted(wanted - have)
    if not todo:
        return []
    version = getattr(chinese_calendar, "__version__", None)
    source = f"chinesecalendar {version}" if version else "chinesecalendar"
    now = utcnow()
    days: list[CalendarDay] = []
    for d, name in constants.holidays.items():
        if d.year in todo and d.weekday() < 5:
            days.append(CalendarDay(day=d, year=d.year, working=False, name=chinese.get(name, name)))
    for d, name in constants.workdays.items():
        if d.year in todo and d.weekday() >= 5:
            days.append(CalendarDay(day=d, year=d.year, working=True,
                                    name=f"{chinese.get(name, name)}调休上班"))
    session.add_all([CalendarYear(year=y, source=source, loaded_at=now) for y in todo])
    session.flush()
    session.add_all(sorted(days, key=lambda x: x.day))
    session.flush()
    return todo


# ---------------------------------------------------------------------------------------
# Importing a year from the State Council's notice
# ---------------------------------------------------------------------------------------

_OFF = {"休", "假", "休息", "放假", "holiday", "off"}
_WORK = {"班", "上班", "调休上班", "workday", "work"}
_HEADERS = {"日期": "date", "date": "date", "类型": "type", "type": "type",
            "名称": "name", "name": "name", "节日": "name"}


def import_year(session: Session, year: int, file: str | Path | IO[str], *,
                source: str | None = None) -> dict:
    """Load (or replace) one year from a CSV or YAML transcription of the State Council notice.

    **CSV** (UTF-8, a BOM is fine; lines starting with ``#`` are comments)::

        日期,类型,名称
        2027-01-01,休,元旦
        2027-02-05~2027-02-11,休,春节
        2027-02-20,班,春节

    ``日期`` is one date ``YYYY-MM-DD`` or a range ``A~B`` (also ``A至B``), inclusive.
    ``类型`` is ``休`` (a day off; also 假/休息/放假/holiday) or ``班`` (a make-up working day
    on a weekend; also 上班/调休上班/workday). ``名称`` names the holiday. English headers
    ``date,type,name`` are accepted too.

    **YAML**::

        year: 2027
        source: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）
        days:
          - {日期: 2027-01-01, 类型: 休, 名称: 元旦}
          - {日期: 2027-02-05~2027-02-11, 类型: 休, 名称: 春节}

    Only days that differ from Monday–Friday are stored (weekend days off are implied).
    Every date must lie in `year`; a ``班`` day must be a Saturday or Sunday; a date may not
    be both; at least one ``休`` row is required (an empty file is a mistake, not a year
    without holidays). Problems are all reported at once (:class:`Invalid`, fields like
    ``第3行 日期``) and nothing is written. An already loaded year is replaced.
    Returns ``{"year", "holidays", "makeup_days", "replaced", "source"}``.
    """
    text, label, suffix = _read_text(file)
    if suffix in (".yaml", ".yml"):
        rows, meta_year, meta_source = _yaml_rows(text)
    else:
        rows, meta_year, meta_source = _csv_rows(text), None, None
    errors = ErrorList()
    if meta_year is not None and meta_year != year:
        errors.add("year", f"文件中的年份 {meta_year} 与要导入的年份 {year} 不一致")
    days: dict[date, tuple[bool, str | None, int]] = {}
    for line, row in rows:
        raw_date = str(row.get("date") or "").strip()
        raw_type = str(row.get("type") or "").strip()
        name = str(row.get("name") or "").strip() or None
        if not raw_date:
            errors.add(f"第{line}行 日期", "缺少日期")
            continue
        try:
            dates = _date_range(raw_date)
        except ValueError as exc:
            errors.add(f"第{line}行 日期", str(exc))
            continue
        if raw_type.lower() in _OFF or raw_type in _OFF:
            working = False
        elif raw_type.lower() in _WORK or raw_type in _WORK:
            working = True
        else:
            errors.add(f"第{line}行 类型", f"未知类型“{raw_type}”，应为“休”或“班”")
            continue
        for d in dates:
            if d.year != year:
                errors.add(f"第{line}行 日期", f"{d.isoformat()} 不在{year}年内")
                continue
            if working and d.weekday() < 5:
                errors.add(f"第{line}行 类型", f"{d.isoformat()} 是周一至周五，本就是工作日，不能标为调休上班")
                continue
            if d in days and days[d][0] != working:
                errors.add(f"第{line}行 日期", f"{d.isoformat()} 与第{days[d][2]}行矛盾（既休又班）")
                continue
            days[d] = (working, name, line)
    if not any(not w for w, _, _ in days.values()) and not errors.errors:
        errors.add("文件", "没有任何放假日期（类型“休”），请检查文件")
    errors.raise_if_any(f"{label} 的日历数据有误，未导入")

    stored = {d: v for d, v in days.items() if (v[0] and d.weekday() >= 5) or (not v[0] and d.weekday() < 5)}
    existing = session.get(CalendarYear, year)
    replaced = existing is not None
    src = source or meta_source or f"导入：{label}"
    if existing is None:
        session.add(CalendarYear(year=year, source=src, loaded_at=utcnow()))
    else:
        session.execute(delete(CalendarDay).where(CalendarDay.year == year))
        existing.source = src
        existing.loaded_at = utcnow()
    session.flush()
    session.add_all([
        CalendarDay(day=d, year=year, working=w, name=(f"{n}调休上班" if w and n and "调休" not in n else n))
        for d, (w, n, _) in sorted(stored.items())
    ])
    session.flush()
    return {
        "year": year,
        "holidays": sum(1 for w, _, _ in stored.values() if not w),
        "makeup_days": sum(1 for w, _, _ in stored.values() if w),
        "replaced": replaced,
        "source": src,
    }


def _read_text(file) -> tuple[str, str, str]:
    if hasattr(file, "read"):
        data = file.read()
        if isinstance(data, bytes):
            data = data.decode("utf-8-sig")
        name = getattr(file, "name", "上传文件")
        return data.lstrip("\ufeff"), str(name), Path(str(name)).suffix.lower()
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("文件不是 UTF-8 编码", [FieldError("文件", "请以 UTF-8 编码保存")]) from None
    return text, path.name, path.suffix.lower()


def _csv_rows(text: str) -> list[tuple[int, dict]]:
    lines = text.splitlines()
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not numbered:
        raise Invalid("文件为空", [FieldError("文件", "没有任何数据行")])
    reader = csv.reader(io.StringIO("\n".join(ln for _, ln in numbered)))
    rows = list(reader)
    header = [h.strip().lower() if h.strip().isascii() else h.strip() for h in rows[0]]
    keys = [_HEADERS.get(h) for h in header]
    if "date" not in keys or "type" not in keys:
        raise Invalid("表头应为：日期,类型,名称", [FieldError(f"第{numbered[0][0]}行", "表头应为：日期,类型,名称")])
    out = []
    for (line, _), cells in zip(numbered[1:], rows[1:]):
        out.append((line, {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}))
    return out


def _yaml_rows(text: str) -> tuple[list[tuple[int, dict]], int | None, str | None]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid("YAML 无法解析", [FieldError("文件", str(exc))]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("days"), list):
        raise Invalid("YAML 应包含 days 列表", [FieldError("days", "缺少 days 列表")])
    rows = []
    for i, entry in enumerate(doc["days"], start=1):
        entry = entry if isinstance(entry, dict) else {}
        rows.append((i, {_HEADERS.get(str(k).lower() if str(k).isascii() else str(k)): v
                         for k, v in entry.items()}))
    year = doc.get("year")
    return rows, (int(year) if year is not None else None), doc.get("source")


def _date_range(raw: str) -> list[date]:
    for sep in ("~", "～", "至"):
        if sep in raw:
            a, b = (p.strip() for p in raw.split(sep, 1))
            start, end = _parse_date(a), _parse_date(b)
            if end < start:
                raise ValueError(f"日期范围“{raw}”的结束早于开始")
            return [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [_parse_date(raw)]


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"日期“{raw}”格式不对，应为 YYYY-MM-DD") from None


# ---------------------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------------------


def status(session: Session, today: date | None = None, warn_days: int = WARN_DAYS) -> dict:
    """What is loaded and how long it lasts; a warning when fewer than `warn_days` remain.

    ``last_day`` is the last day of the unbroken run of loaded years that starts with
    today's year; ``days_left`` counts the days after today up to it (0 when today's year is
    not loaded). Dates are ISO strings so the answer serialises as JSON directly.
    """
    today = today or datetime.now(SHANGHAI).date()
    rows = session.execute(select(CalendarYear.year, CalendarYear.source).order_by(CalendarYear.year)).all()
    years = [y for y, _ in rows]
    counts = dict(session.execute(
        select(CalendarDay.year, func.count()).group_by(CalendarDay.year)).all())
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
        warning = (f"{today.year}年的工作日历尚未导入，按工作日计时的时限暂停（待日历）；"
                   f"请尽快导入国务院办公厅公布的{today.year}年节假日安排。")
    elif days_left < warn_days:
        nxt = last.year + 1
        warning = (f"已导入的工作日历将于{last.isoformat()}用完（剩余{days_left}天，少于{warn_days}天）；"
                   f"请在国务院办公厅公布{nxt}年节假日安排后导入{nxt}年日历。")
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
