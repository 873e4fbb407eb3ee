"""UTC timestamps as ISO 8601 text.

Keys and records are compared by time across processes and machines, so every stored
time is UTC and written one way (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``).
"""

from __future__ import annotations

from datetime import datetime

from vocab.clock import as_utc, utcnow

__all__ = ["utcnow", "as_utc", "to_iso", "parse_iso"]


def to_iso(dt: datetime) -> str:
    """ISO 8601 text of ``dt`` in UTC with a ``Z`` suffix."""
    return as_utc(dt).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 text (``Z`` or an offset; naive means UTC) to an aware UTC datetime."""
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 string, got {type(text).__name__}")
    return as_utc(datetime.fromisoformat(text))
