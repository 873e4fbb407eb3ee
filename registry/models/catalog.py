"""The catalog: directory items, item versions and their reviews, sections, fee reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow
from registry.models.columns import Coded, Filed, Numbered, Searchable


class DirectoryItem(Base):
    """目录清单 entry, kept by the reform office."""

    __tablename__ = "directory_items"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str | None] = mapped_column(Text)


# An item as a department files it (docs/design.md §3): the fields of a filing, its record and its fact;
# ITEM_LISTS: those that hold lists.
ITEM_FIELDS = (
    "code",
    "directory_item",
    "name",
    "department",
    "item_type",
    "on_application",
    "case_type",
    "report_up",
    "joint",
    "partners",
    "complexity",
    "statutory_limit",
    "promised_limit",
    "promised_limit_2017",
    "fees",
    "materials",
    "online_depth",
    "function_section",
    "entry",
    "effective_from",
)
ITEM_LISTS = ("partners", "fees", "materials")


class ItemVersion(Numbered, Searchable, Base):
    """One version of an implementation-list item. Never updated in place but for its status.

    A department files a version (status ``filed``); the reform office's review publishes
    or returns it. The item as windows see it is its newest published version.
    """

    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    directory_item: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    item_type: Mapped[str] = mapped_column(String(32))
    on_application: Mapped[bool] = mapped_column(Boolean, default=True)
    case_type: Mapped[str] = mapped_column(String(16))
    report_up: Mapped[bool] = mapped_column(Boolean, default=False)
    joint: Mapped[bool] = mapped_column(Boolean, default=False)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    complexity: Mapped[str] = mapped_column(String(16), default="simple")
    statutory_limit: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    promised_limit: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    promised_limit_2017: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    online_depth: Mapped[str] = mapped_column(String(32), default="on_site")
    function_section: Mapped[str | None] = mapped_column(String(32))
    entry: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="filed", index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_filed: Mapped[bool] = mapped_column(Boolean, default=False)
    log_index: Mapped[int | None] = mapped_column(Integer)


class ItemReview(Numbered, Filed, Base):
    __tablename__ = "item_reviews"
    item_version: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    result: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewer: Mapped[str | None] = mapped_column(String(64))


class FunctionSection(Coded, Base):
    """功能板块 with its ordered chain of item codes (XT-3.5)."""

    __tablename__ = "function_sections"
    lead_department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    whole_chain: Mapped[bool] = mapped_column(Boolean, default=False)
    chain: Mapped[list[str]] = mapped_column(JSON, default=list)


class FeeReview(Numbered, Filed, Base):
    """The DRC's review of one fee of an item: basis and standard (XT-4.2)."""

    __tablename__ = "fee_reviews"
    item: Mapped[str] = mapped_column(String(64), index=True)
    fee: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    basis_ok: Mapped[bool] = mapped_column(Boolean)
    standard_ok: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str | None] = mapped_column(String(64))
