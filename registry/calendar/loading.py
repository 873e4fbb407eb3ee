"""Loading working-day calendars: a year seeded from ``chinesecalendar``, or imported by the
government service department from a CSV/YAML transcription of the State Council's notice."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Iterable

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.errors import ErrorList, FieldError, Invalid
from registry.models import CalendarDay, CalendarYear


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
            days.append(CalendarDay(day=d, year=d.year, working=True, name=f"{chinese.get(name, name)}调休上班"))
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
_HEADERS = {
    "日期": "date",
    "date": "date",
    "类型": "type",
    "type": "type",
    "名称": "name",
    "name": "name",
    "节日": "name",
}


def import_year(session: Session, year: int, file: str | Path | IO[str], *, source: str | None = None) -> dict:
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
    session.add_all(
        [
            CalendarDay(day=d, year=year, working=w, name=(f"{n}调休上班" if w and n and "调休" not in n else n))
            for d, (w, n, _) in sorted(stored.items())
        ]
    )
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
        rows.append((i, {_HEADERS.get(str(k).lower() if str(k).isascii() else str(k)): v for k, v in entry.items()}))
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
