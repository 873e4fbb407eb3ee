"""Oversight: compliance findings with a life (open → notified → answered → closed, or
escalated) and the events that moved them. Nothing here is ever deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow
from registry.models.columns import Numbered


class Finding(Base):
    """One finding of the compliance report, kept under the report's stable id
    (hash of rule and subject), so the same problem is the same row across reports."""

    __tablename__ = "findings"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rule: Mapped[str] = mapped_column(String(100), index=True)
    clause: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)  # e.g. item:CODE/material:NAME, may be long
    department: Mapped[str | None] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    strength: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FindingEvent(Numbered, Base):
    """What happened to a finding: found, notified, answered, escalated, closed, reopened."""

    __tablename__ = "finding_events"
    finding: Mapped[str] = mapped_column(ForeignKey("findings.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(64))  # the signing body (dept:FGW, reform_office, ...)
    by_user: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    log_index: Mapped[int | None] = mapped_column(Integer)
