"""Time as float epoch seconds inside the engine: comparisons on the decision path stay cheap.

Facts carry timezone-aware UTC datetimes (docs/facts.md); ISO strings are accepted too, so a
logged request can be replayed as it was written. Dates are shown in Asia/Shanghai (UTC+8, no DST).
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone
from typing import overload

from vocab.clock import SHANGHAI

__all__ = [
    "INF",
    "NEG_INF",
    "SHANGHAI",
    "Moment",
    "iso",
    "in_interval",
    "local_date",
    "local_minute",
    "now",
    "to_datetime",
    "ts",
]

INF = float("inf")
NEG_INF = float("-inf")


Moment = datetime | date | str | float
"""What `ts` reads: a datetime, a date, an ISO string or epoch seconds."""


@overload
def ts(value: Moment, default: float | None = None) -> float: ...
@overload
def ts(value: Moment | None, default: float) -> float: ...
@overload
def ts(value: Moment | None, default: None = None) -> float | None: ...


def ts(value: Moment | None, default: float | None = None) -> float | None:
    """Epoch seconds of a datetime, date or ISO string; `default` for None."""
    if value is None:
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp()
    if isinstance(value, str):
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if d.tzinfo is None:
            d = d.replace(tzinfo=timezone.utc)
        return d.timestamp()
    raise TypeError(f"not a time: {value!r}")


def now() -> float:
    return time.time()


_DAYS: dict[int, str] = {}


def local_date(t: float) -> str:
    """'2019-03-01' in Asia/Shanghai (formatted once per day: explanations name dates often)."""
    if t == INF or t == NEG_INF:
        return "—"
    day = int((t + 28800) // 86400)
    s = _DAYS.get(day)
    if s is None:
        s = datetime.fromtimestamp(t, SHANGHAI).strftime("%Y-%m-%d")
        if len(_DAYS) >= 20000:
            _DAYS.clear()
        _DAYS[day] = s
    return s


def local_minute(t: float) -> str:
    return datetime.fromtimestamp(t, SHANGHAI).strftime("%Y-%m-%d %H:%M")


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")


def to_datetime(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def in_interval(t: float, start: float, end: float) -> bool:
    """Half-open [start, end)."""
    return start <= t < end
