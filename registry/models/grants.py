"""Grants and their limits: authorizations, revocations, absences, exemptions, delegations,
seals and custody, and the reform office's exceptions. All append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime
from registry.models.columns import Coded, LateFiled, Logged, Numbered, Period


class Authorization(Numbered, LateFiled, Logged, Base):
    """授权书: a department grants powers to a chief representative or to gov_service."""

    __tablename__ = "authorizations"
    grantor: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    grantee_person: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    grantee_gov_service: Mapped[bool] = mapped_column(Boolean, default=False)
    post: Mapped[str | None] = mapped_column(String(1))
    backs: Mapped[int | None] = mapped_column(ForeignKey("authorizations.id"))
    powers: Mapped[list[str]] = mapped_column(JSON)
    items: Mapped[Any] = mapped_column(JSON)  # "*" or a list of item codes
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def grantee(self) -> dict[str, Any]:
        if self.grantee_gov_service:
            return {"gov_service": True}
        return {"person": self.grantee_person}


class Revocation(Numbered, LateFiled, Logged, Base):
    __tablename__ = "revocations"
    authorization: Mapped[int] = mapped_column(ForeignKey("authorizations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)


class Absence(Numbered, Period, LateFiled, Logged, Base):
    __tablename__ = "absences"
    person: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)


class Exemption(Numbered, Logged, Base):
    """不宜进驻: a department asks; the government decides (ExemptionDecision)."""

    __tablename__ = "exemptions"
    item: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExemptionDecision(Numbered, Logged, Base):
    __tablename__ = "exemption_decisions"
    exemption: Mapped[int] = mapped_column(ForeignKey("exemptions.id"), unique=True)
    result: Mapped[str] = mapped_column(String(16))
    document_no: Mapped[str] = mapped_column(String(100))


class Delegation(Numbered, Period, LateFiled, Logged, Base):
    """事进人不进: a low-volume department delegates acceptance to gov_service."""

    __tablename__ = "delegations"
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    items: Mapped[Any] = mapped_column(JSON)


class Seal(Coded, Base):
    __tablename__ = "seals"
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))


class SealCustody(Numbered, Period, LateFiled, Logged, Base):
    __tablename__ = "seal_custody"
    seal: Mapped[str] = mapped_column(ForeignKey("seals.code"), index=True)
    person: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)


class PolicyException(Numbered, Logged, Base):
    """例外: the reform office clears an in-principle rule for one subject, until a date."""

    __tablename__ = "policy_exceptions"
    rule: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
