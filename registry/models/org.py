"""Organisation: departments, sections, halls, places, people and staff filings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow
from registry.models.columns import Coded, Filed, Numbered, Searchable


class Department(Base):
    """A department, unit or body; `kind` marks the bodies that hold a role (§1)."""

    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    group: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), default="department")
    entry_phase: Mapped[str | None] = mapped_column(String(32))
    low_volume: Mapped[bool] = mapped_column(Boolean, default=False)
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Section(Numbered, Base):
    __tablename__ = "sections"
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    entered_whole: Mapped[bool] = mapped_column(Boolean, default=False)
    head: Mapped[int | None] = mapped_column(Integer)


class Hall(Coded, Base):
    __tablename__ = "halls"
    kind: Mapped[str] = mapped_column(String(16))
    host_department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))


class HallApproval(Numbered, Filed, Base):
    """The government's approval to retain a sub-hall, from/until (XT-3.3.1)."""

    __tablename__ = "hall_approvals"
    hall: Mapped[str] = mapped_column(ForeignKey("halls.code"), index=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document_no: Mapped[str | None] = mapped_column(String(100))


class CitizensHomeOpening(Numbered, Filed, Base):
    """The date 市民之家 opens, filed by the government; unknown until filed."""

    __tablename__ = "citizens_home_openings"
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    document_no: Mapped[str | None] = mapped_column(String(100))


class Place(Coded, Base):
    __tablename__ = "places"
    kind: Mapped[str] = mapped_column(String(32))
    hall: Mapped[str | None] = mapped_column(ForeignKey("halls.code"))
    department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    function_section: Mapped[str | None] = mapped_column(String(32))


class Person(Numbered, Searchable, Base):
    __tablename__ = "people"
    name: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    section: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    position: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffFiling(Numbered, Filed, Base):
    """备案: a department files its chief representatives and resident staff."""

    __tablename__ = "staff_filings"
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
