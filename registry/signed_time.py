"""Times in signed records: ISO 8601 text in the leaf, one shared datetime object per distinct time
in the folded facts (registry.signed_facts)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1 << 16)
def parse_time(text: str) -> datetime:
    """One datetime object per distinct time: records filed at one moment share it (memory,
    and a worker's snapshot)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def dt(value: Any) -> Any:
    """A record's time field as a datetime (other values unchanged)."""
    if isinstance(value, str):
        return parse_time(value)
    return value
