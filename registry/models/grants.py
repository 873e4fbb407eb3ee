"""Grants and their limits: authorizations, revocations, absences, exemptions, delegations,
seals and custody, and the reform office's exceptions. All append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class _Logged:
    """Columns every signed filing carries once it is in the log."""

    log_index: Mapped[int | None] = mapped_column(Integer)
    record_hash: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(200))
    filed_by: Mapped[str | None] = mapped_column(String(64))


class Authorization(_Logged, Base):
    """授权书: a department grants powers to a chief representative or to gov_service."""

    __tablename__ = "authorizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grantor: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    grantee_person: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    grantee_gov_service: Mapped[bool] = mapped_column(Boolean, default=False)
    post: Mapped[str | None] = mapped_column(String(1))
    backs: Mapped[int | None] = mapped_column(ForeignKey("authorizations.id"))
    powers: Mapped[list[str]] = mapped_column(JSON)
    items: Mapped[Any] = mapped_column(JSON)  # "*" or a list of item codes
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late_filed: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def grantee(self) -> dict[str, Any]:
        if self.grantee_gov_service:
            return {"gov_service": True}
        return {"person": self.grantee_person}


class Revocation(_Logged, Base):
    __tablename__ = "revocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authorization: Mapped[int] = mapped_column(ForeignKey("authorizations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late_filed: Mapped[bool] = mapped_column(Boolean, default=False)


class Absence(_Logged, Base):
    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    from_: Mapped[datetime] = mapped_column("from", UTCDateTime)
    to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late_filed: Mapped[bool] = mapped_column(Boolean, default=False)


class Exemption(_Logged, Base):
    """不宜进驻: a department asks; the government decides (ExemptionDecision)."""

    __tablename__ = "exemptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExemptionDecision(_Logged, Base):
    __tablename__ = "exemption_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exemption: Mapped[int] = mapped_column(ForeignKey("exemptions.id"), unique=True)
    result: Mapped[str] = mapped_column(String(16))
    document_no: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delegation(_Logged, Base):
    """事进人不进: a low-volume department delegates acceptance to gov_service."""

    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    items: Mapped[Any] = mapped_column(JSON)
    from_: Mapped[datetime] = mapped_column("from", UTCDateTime)
    to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late_filed: Mapped[bool] = mapped_column(Boolean, default=False)


class Seal(Base):
    __tablename__ = "seals"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))


class SealCustody(_Logged, Base):
    __tablename__ = "seal_custody"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seal: Mapped[str] = mapped_column(ForeignKey("seals.code"), index=True)
    person: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    from_: Mapped[datetime] = mapped_column("from", UTCDateTime)
    to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late_filed: Mapped[bool] = mapped_column(Boolean, default=False)


class PolicyException(_Logged, Base):
    """例外: the reform office clears an in-principle rule for one subject, until a date."""

    __tablename__ = "policy_exceptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
