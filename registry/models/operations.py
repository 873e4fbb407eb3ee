"""What happens in the hall: cases and their steps, alerts, seal uses, entry plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow
from registry.models.columns import Filed, Numbered


# At most one open case per platform application, whichever worker or host records it (两头受理).
OPEN_CASE = text("status = 'open'")


class Case(Filed, Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "uq_cases_open_platform_no", "platform_no", unique=True, sqlite_where=OPEN_CASE, postgresql_where=OPEN_CASE
        ),
    )
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    # item and application_key unindexed: no statement looks cases up by them (the door reads the
    # signed records), and an index would cost every acceptance a page of its own in the commit
    item: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    place: Mapped[str] = mapped_column(ForeignKey("places.code"))
    application_key: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    platform_record: Mapped[bool] = mapped_column(Boolean, default=True)
    platform_no: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / closed / returned
    pending_platform: Mapped[bool] = mapped_column(Boolean, default=False)  # accepted in an outage
    platform_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_id: Mapped[str | None] = mapped_column(String(64))


class CaseStep(Numbered, Filed, Base):
    __tablename__ = "case_steps"
    case: Mapped[str] = mapped_column(ForeignKey("cases.number"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(ForeignKey("places.code"))
    person: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Alert(Numbered, Base):
    """A raised alert; never deleted, only acknowledged and resolved."""

    __tablename__ = "alerts"
    key: Mapped[str] = mapped_column(String(200), unique=True)  # idempotency
    rule: Mapped[str] = mapped_column(String(100))
    clause: Mapped[str] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    case: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="open")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SealUse(Numbered, Base):
    __tablename__ = "seal_uses"
    seal: Mapped[str] = mapped_column(ForeignKey("seals.code"), index=True)
    person: Mapped[int] = mapped_column(ForeignKey("people.id"))
    item: Mapped[str] = mapped_column(String(64))
    case: Mapped[str] = mapped_column(String(64))
    document_sha256: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(ForeignKey("places.code"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_id: Mapped[str] = mapped_column(String(64))
    authorization: Mapped[int | None] = mapped_column(ForeignKey("authorizations.id"))
    acting_for: Mapped[int | None] = mapped_column(Integer)
    log_index: Mapped[int | None] = mapped_column(Integer, index=True)
    leaf_hash: Mapped[str | None] = mapped_column(String(64), index=True)


class EntryPlan(Numbered, Base):
    __tablename__ = "entry_plans"
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(32), default="drafted")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EntryPlanStep(Numbered, Filed, Base):
    __tablename__ = "entry_plan_steps"
    plan: Mapped[int] = mapped_column(ForeignKey("entry_plans.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    by_body: Mapped[str] = mapped_column(String(64))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
