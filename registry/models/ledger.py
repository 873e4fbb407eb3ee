"""The Merkle log as stored: leaves, complete-subtree nodes, checkpoints, commitment salts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class LogEntry(Base):
    __tablename__ = "log_entries"
    # the newest record of a kind (the active pack's publication) and a kind's records in order
    __table_args__ = (Index("ix_log_entries_kind_index", "kind", "index"),)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64))
    appended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogNode(Base):
    """Hash of one complete subtree, (level, index) as in RFC 9162 tiles: O(log n) proofs."""

    __tablename__ = "log_nodes"
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class Checkpoint(Base):
    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("tree_size"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordSalt(Base):
    """Salt of a keyed commitment to personal data in a logged record (docs/design.md §7)."""

    __tablename__ = "record_salts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, index=True)
    field: Mapped[str] = mapped_column(String(64))
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))


class CheckpointCosignature(Base):
    """A witness's cosignature/v1 line on one checkpoint (docs/design.md §12.6), served with it."""

    __tablename__ = "checkpoint_cosignatures"
    __table_args__ = (UniqueConstraint("tree_size", "witness"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer, index=True)
    witness: Mapped[str] = mapped_column(String(255))
    line: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WitnessStatus(Base):
    """What the log knows of each configured witness: its size, its health, the back-off."""

    __tablename__ = "witness_status"
    witness: Mapped[str] = mapped_column(String(255), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(Integer)
    """The last size this witness cosigned for this log (None: not known yet)."""
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
