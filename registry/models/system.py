"""Housekeeping: pack versions, the decision log, and the registry change feed (§9)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class PackVersion(Base):
    """A published rule pack; exactly one is active. The YAML files are stored, not referenced."""

    __tablename__ = "pack_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    publisher: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    log_index: Mapped[int | None] = mapped_column(Integer)


class DecisionRecord(Base):
    """One answered decision, written in batches after the answer went out; replayable."""

    __tablename__ = "decision_records"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    pack_digest: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegistryChange(Base):
    """The change feed: every committed filing adds a row; workers replay rows past their mark."""

    __tablename__ = "registry_changes"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonalDataRead(Base):
    """Who looked at whose personal data, when, and through what (issue: reads are recorded)."""

    __tablename__ = "personal_data_reads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    subject_person: Mapped[int] = mapped_column(Integer, index=True)
    what: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
