"""The city material dictionary (材料目录, docs/design.md §12.2), kept by the government service department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class MaterialEntry(Base):
    """One entry of the dictionary: what an item's material refers to, whatever code a department
    gives it, so a material asked again later in a chain is found across departments (XT-3.4.resubmit)."""

    __tablename__ = "material_entries"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(64))  # e.g. 电子证照 / 申请表 / 证明
    source: Mapped[str | None] = mapped_column(String(200))  # where it comes from, e.g. 电子证照目录
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    log_index: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
