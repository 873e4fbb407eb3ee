"""Columns many tables share, declared once (mixins; the schema is the same as written out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import UTCDateTime, utcnow


class Coded:
    """A record keyed by its code, with the name people read."""

    code: Mapped[str] = mapped_column(String(32), primary_key=True, sort_order=-2)
    name: Mapped[str] = mapped_column(String(100), sort_order=-1)


class Numbered:
    """A record keyed by a serial number."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class Filed:
    """A filing: when it was filed and, once in the log, its index there."""

    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    log_index: Mapped[int | None] = mapped_column(Integer)


class Logged(Filed):
    """A signed filing of the grants (registry.models.grants): who filed it and its record's hash and signature."""

    record_hash: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(200))
    filed_by: Mapped[str | None] = mapped_column(String(64))


class LateFiled:
    """A filing that may be back-dated: late when it takes effect before it was filed."""

    late_filed: Mapped[bool] = mapped_column(Boolean, default=False)


class Period:
    """From (the column is named ``from``) until, open-ended without ``to``."""

    from_: Mapped[datetime] = mapped_column("from", UTCDateTime)
    to: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Searchable:
    """A row people find by name or pinyin: the stored pinyin key of its name (registry.search keeps it)."""

    pinyin: Mapped[str | None] = mapped_column(Text, deferred=True)  # deferred: older migrations load rows
