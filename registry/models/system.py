"""Housekeeping: pack versions, the decision log, and the registry change feed (§9)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
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


class DecisionBatch(Base):
    """Answered decisions, one row per batch of one engine's answers, written after the answers
    went out (registry.decision_log). One document per batch, not a row per decision: the
    writer shares the request workers' interpreter, and a row per decision cost more than
    the decision itself. `engine` is the decision-id prefix of the engine that answered and
    `first`..`last` the counters of its ids in the batch, so one id finds its row."""

    __tablename__ = "decision_batches"
    __table_args__ = (Index("ix_decision_batches_engine_first", "engine", "first"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engine: Mapped[str] = mapped_column(String(48))
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    decided_from: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_to: Mapped[datetime] = mapped_column(UTCDateTime)
    # [{"request": {...}, "answer": {...}, "decided_at": ISO 8601}, ...] in id order
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


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


class ThrottleHit(Base):
    """One counted attempt against a limit that every worker counts together (failed sign-ins,
    anonymous receipt checks: registry.services.throttle). `key` is a digest of what is
    limited (a client address, a user name), so neither is kept in clear."""

    __tablename__ = "throttle_hits"
    __table_args__ = (
        Index("ix_throttle_hits_scope_key_at", "scope", "key", "at"),
        Index("ix_throttle_hits_scope_at", "scope", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
