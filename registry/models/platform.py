"""What the integrated platform (一体化平台) reported, and its declared outages (docs/design.md §12.1).

A platform record is an application onehall received from the platform (its API client or an
imported export): the door refuses an acceptance of an application with none (体外循环), except
inside an outage the government service department declared.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class PlatformApplication(Base):
    """One application as the platform reported it; the applicant only as a keyed commitment."""

    __tablename__ = "platform_applications"
    platform_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    application_key: Mapped[str] = mapped_column(String(64), index=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # api / import
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    log_index: Mapped[int | None] = mapped_column(Integer)


class PlatformOutage(Base):
    """A platform outage [start, end) declared by the government service department (signed)."""

    __tablename__ = "platform_outages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    log_index: Mapped[int | None] = mapped_column(Integer)
