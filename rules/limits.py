"""Time limits ({"value", "unit"}) compared in working days, per the pack's rulings (docs/design.md §6).

Calendar days become working days through the registry's calendar when the caller passes
`working_days_between(start, end)`; without it, ×5/7 and the finding says so. A month is 30
calendar days. Hours compare only with hours ("cannot compare" otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from .shapes import JSON

UNIT_LABELS = {"working_day": "个工作日", "calendar_day": "个自然日", "month": "个月", "hour": "小时"}
WorkingDays = Callable[[date, date], int]
Limit = dict[str, JSON]
"""A time limit as an item's facts row holds it: {"value": number, "unit": one of UNIT_LABELS}."""


@dataclass(frozen=True)
class Converted:
    days: float | None  # working days, None when it cannot be converted
    estimated: bool = False  # ×5/7 was used for lack of a calendar


def show(limit: Limit | None) -> str:
    if not limit:
        return "未设定"
    v = limit.get("value")
    v = int(v) if isinstance(v, float) and v.is_integer() else v
    unit: JSON = limit.get("unit")
    return f"{v}{UNIT_LABELS.get(unit, unit)}"


def to_working_days(limit: Limit | None, ref: date, wdb: WorkingDays | None) -> Converted:
    if not limit or limit.get("value") is None:
        return Converted(None)
    value, unit = float(limit["value"]), limit.get("unit")
    if unit == "working_day":
        return Converted(value)
    if unit in ("calendar_day", "month"):
        cal = value * 30 if unit == "month" else value
        if wdb is not None:
            return Converted(float(wdb(ref, ref + timedelta(days=int(round(cal))))))
        return Converted(cal * 5 / 7, estimated=True)
    return Converted(None)  # hours, or an unknown unit


def comparable(a: Limit, b: Limit) -> bool:
    """Two limits can be compared unless exactly one is in hours."""
    return (a.get("unit") == "hour") == (b.get("unit") == "hour")


def fmt_days(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"
