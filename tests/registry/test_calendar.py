"""Working-day calendar: seeding, import, status, and office-hours arithmetic (fails closed)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from registry import calendar as cal
from registry.calendar import SHANGHAI, CalendarPending, OfficeHours, WorkingCalendar
from registry.db import transaction
from registry.errors import Invalid
from registry.models import CalendarDay, CalendarYear
from registry.seed import SEED_DIR

EXAMPLE_2027 = SEED_DIR / "calendar-2027.example.csv"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def _seed(sessions, years=None):
    with transaction(sessions) as s:
        return cal.seed_from_chinesecalendar(s, years)


def test_seed_2019_national_day_and_makeup_days(sessions):
    added = _seed(sessions)
    assert added[0] == 2004 and added[-1] == 2026 and len(added) == 23
    assert _seed(sessions) == []  # idempotent
    with sessions() as s:
        w = WorkingCalendar.load(s)
        # National Day 2019: 1–7 October off; Sunday 29 September and Saturday 12 October worked.
        assert [w.is_working_day(date(2019, 10, d)) for d in range(1, 8)] == [False] * 7
        assert w.is_working_day(date(2019, 10, 8))
        assert w.is_working_day(date(2019, 10, 12)) and date(2019, 10, 12).weekday() == 5
        assert w.day_name(date(2019, 10, 12)) == "国庆节调休上班"
        assert w.day_name(date(2019, 10, 1)) == "国庆节"
        assert w.is_working_day(date(2019, 9, 29))
        assert not w.is_working_day(date(2019, 10, 13))  # an ordinary Sunday
        # Only days that differ from Mon–Fri are stored: no weekend holiday rows.
        rows = s.execute(select(CalendarDay.day, CalendarDay.working).where(CalendarDay.year == 2019)).all()
        assert all((d.weekday() < 5) != working for d, working in rows)
        # Working-day counting around the holiday.
        assert w.add_working_days(date(2019, 9, 27), 1) == date(2019, 9, 29)
        assert w.add_working_days(date(2019, 9, 30), 1) == date(2019, 10, 8)
        assert w.working_days_between(date(2019, 9, 27), date(2019, 10, 12)) == 7  # 29, 30; 8–12
        assert w.add_working_days(date(2019, 10, 8), -1) == date(2019, 9, 30)
        for n in (0, 3, 20):
            assert w.working_days_between(date(2019, 9, 20), w.add_working_days(date(2019, 9, 20), n)) == n


def test_office_hours_friday_evening_rolls_to_monday(sessions):
    _seed(sessions, [2019])
    with sessions() as s:
        w = WorkingCalendar.load(s)
    friday = local(2019, 11, 29, 17, 20)
    # Default hours 09:00–12:00, 13:30–17:30: 10 minutes on Friday, 50 on Monday.
    due = w.add_office_hours(friday, 1)
    assert due == local(2019, 12, 2, 9, 50)
    assert w.office_seconds_between(friday, due) == 3600
    # docs/design.md §6's example (due 09:20 on Monday) holds when the morning opens at 08:30.
    early = replace_office(w, OfficeHours.parse(["08:30-12:00", "13:30-17:30"]))
    assert early.add_office_hours(friday, 1) == local(2019, 12, 2, 9, 20)
    # Lunch break, a start outside hours, an exact period end, and a holiday week.
    assert w.add_office_hours(local(2019, 11, 28, 11, 30), 1) == local(2019, 11, 28, 14, 0)
    assert w.add_office_hours(local(2019, 11, 28, 7, 0), 1) == local(2019, 11, 28, 10, 0)
    assert w.add_office_hours(local(2019, 11, 28, 11, 0), 1) == local(2019, 11, 28, 12, 0)
    assert w.add_office_hours(local(2019, 9, 30, 17, 0), 1) == local(2019, 10, 8, 9, 30)
    assert w.add_office_hours(local(2019, 11, 28, 9, 0), timedelta(hours=7)) == local(2019, 11, 28, 17, 30)
    assert w.office_seconds_between(local(2019, 9, 30, 0, 0), local(2019, 10, 9, 0, 0)) == 2 * 7 * 3600
    assert w.end_of_office_day(date(2019, 10, 12)) == local(2019, 10, 12, 17, 30)
    assert w.due_after_working_days(local(2019, 9, 30, 10, 0), 1) == local(2019, 10, 8, 17, 30)


def replace_office(w: WorkingCalendar, office: OfficeHours) -> WorkingCalendar:
    return WorkingCalendar(w.years, w.holidays, w.makeup_days, w.names, office)


def test_unloaded_year_fails_closed(sessions):
    _seed(sessions, [2026])
    with sessions() as s:
        w = WorkingCalendar.load(s)
    assert w.is_working_day(date(2026, 12, 31))
    with pytest.raises(CalendarPending) as exc:
        w.is_working_day(date(2027, 1, 4))
    assert exc.value.year == 2027 and "2027年的工作日历尚未导入" in exc.value.detail
    with pytest.raises(CalendarPending):
        w.add_office_hours(local(2026, 12, 31, 17, 0), 1)  # runs into 2027
    with pytest.raises(CalendarPending):
        w.add_working_days(date(2026, 12, 30), 3)
    with pytest.raises(CalendarPending):
        w.working_days_between(date(2025, 12, 30), date(2026, 1, 5))
    with pytest.raises(CalendarPending):
        w.office_seconds_between(local(2026, 12, 31, 9, 0), local(2027, 1, 4, 12, 0))


def test_status_warns_before_the_data_runs_out(sessions):
    _seed(sessions)
    with sessions() as s:
        late = cal.status(s, date(2026, 11, 26))
        assert late["last_day"] == "2026-12-31" and late["days_left"] == 35
        assert late["years"][0] == 2004 and late["years"][-1] == 2026
        assert "2027" in late["warning"] and "35" in late["warning"]
        assert cal.status(s, date(2026, 6, 1))["warning"] is None
        after = cal.status(s, date(2027, 1, 5))
        assert after["days_left"] == 0 and "2027年的工作日历尚未导入" in after["warning"]


def test_import_example_year_and_yaml(sessions, tmp_path):
    _seed(sessions, [2026])
    with transaction(sessions) as s:
        summary = cal.import_year(s, 2027, EXAMPLE_2027)
    assert summary["year"] == 2027 and summary["makeup_days"] == 4 and not summary["replaced"]
    with sessions() as s:
        w = WorkingCalendar.load(s)
        assert w.is_working_day(date(2027, 2, 20))  # a make-up Saturday
        assert not w.is_working_day(date(2027, 10, 1))
        assert w.add_office_hours(local(2026, 12, 31, 17, 0), 1) == local(2027, 1, 4, 9, 30)
        assert cal.status(s, date(2026, 11, 26))["warning"] is None
    yaml_file = tmp_path / "2027.yaml"
    yaml_file.write_text(
        "year: 2027\nsource: 测试通知\ndays:\n"
        "  - {日期: 2027-01-01, 类型: 休, 名称: 元旦}\n"
        "  - {日期: 2027-10-01~2027-10-07, 类型: 休, 名称: 国庆节}\n"
        "  - {日期: 2027-10-09, 类型: 班, 名称: 国庆节}\n",
        encoding="utf-8",
    )
    with transaction(sessions) as s:
        summary = cal.import_year(s, 2027, yaml_file)
    assert summary == {"year": 2027, "holidays": 6, "makeup_days": 1, "replaced": True, "source": "测试通知"}
    with sessions() as s:
        w = WorkingCalendar.load(s)
        assert w.is_working_day(date(2027, 2, 8))  # the replaced data no longer has Spring Festival
        assert s.get(CalendarYear, 2027).source == "测试通知"


def test_import_refuses_a_bad_file_whole(sessions, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-04,班,元旦\n2028-01-01,休,元旦\n"
        "2027-05-01,放风,劳动节\n2027-13-01,休,x\n",
        encoding="utf-8",
    )
    with transaction(sessions) as s:
        with pytest.raises(Invalid) as exc:
            cal.import_year(s, 2027, bad)
    fields = [e.field for e in exc.value.errors]
    assert fields == ["第3行 类型", "第4行 日期", "第5行 类型", "第6行 日期"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CalendarYear)) == 0
        assert s.scalar(select(func.count()).select_from(CalendarDay)) == 0


def test_office_hours_parameters_are_checked(sessions):
    with pytest.raises(ValueError):
        OfficeHours(((time(13, 0), time(12, 0)),))
    assert OfficeHours.parse(["09:00-12:00", "13:30-17:30"]) == cal.DEFAULT_OFFICE_HOURS
    assert OfficeHours.parse([["09:00", "12:00"], ["13:30", "17:30"]]) == cal.DEFAULT_OFFICE_HOURS  # pack form
    assert cal.DEFAULT_OFFICE_HOURS.seconds_per_day == 7 * 3600


def test_working_days_between_agrees_with_counting_day_by_day():
    """The O(log n) count equals the definition: working days d with a < d ≤ b."""
    import random
    from datetime import date, timedelta

    import chinese_calendar

    from registry.calendar import WorkingCalendar

    off, on = set(), set()
    for ordinal in range(date(2024, 1, 1).toordinal(), date(2026, 12, 31).toordinal() + 1):
        d = date.fromordinal(ordinal)
        if chinese_calendar.is_workday(d) != (d.weekday() < 5):
            (on if d.weekday() >= 5 else off).add(d)
    cal = WorkingCalendar(frozenset({2024, 2025, 2026}), frozenset(off), frozenset(on))

    def by_day(a, b):
        sign, (lo, hi) = (1, (a, b)) if a <= b else (-1, (b, a))
        return sign * sum(cal.is_working_day(lo + timedelta(days=k)) for k in range(1, (hi - lo).days + 1))

    rng = random.Random(7)
    start = date(2024, 1, 1)
    for _ in range(2000):
        a, b = (start + timedelta(days=rng.randrange(1095)) for _ in range(2))
        assert cal.working_days_between(a, b) == by_day(a, b), (a, b)


def test_the_current_calendar_is_kept_until_a_worker_imports_or_corrects_it(sessions):
    """WorkingCalendar.current: the same calendar while nothing changed; a corrected day (a holiday
    turned into a working day) or a new year is seen at once."""
    _seed(sessions, [2026])
    with sessions() as s:
        first = WorkingCalendar.current(s)
        assert WorkingCalendar.current(s) is first and not first.is_working_day(date(2026, 10, 1))
    with transaction(sessions) as s:
        s.execute(CalendarDay.__table__.update().where(CalendarDay.day == date(2026, 10, 1)).values(working=True))
    with sessions() as s:
        corrected = WorkingCalendar.current(s)
        assert corrected is not first and corrected.is_working_day(date(2026, 10, 1))
        with pytest.raises(CalendarPending):
            corrected.due_after_working_days(local(2027, 3, 1, 10), 1)
    with transaction(sessions) as s:
        cal.import_year(s, 2027, EXAMPLE_2027)
    with sessions() as s:
        assert WorkingCalendar.current(s).due_after_working_days(local(2027, 3, 1, 10), 1) is not None
