"""Request bodies of API v1: the filings' inputs (registry.inputs.filings, the registry services'
own input types) and the bodies of the API's own questions. Unknown fields are refused
(extra="forbid"); the OpenAPI document is generated from these same classes, so the contract and
the checks agree."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from registry.inputs.filings import (
    Body,
    Coded,
    DepartmentIn,
    SectionIn,
    HallIn,
    PlaceIn,
    SealIn,
    PersonIn,
    Limit,
    Fee,
    Material,
    Entry,
    ItemIn,
    ItemReviewIn,
    FeeReviewIn,
    PersonGrantee,
    GovServiceGrantee,
    AuthorizationIn,
    RevocationIn,
    AbsenceIn,
    DelegationIn,
    SealCustodyIn,
    StaffEntry,
    StaffFilingIn,
    ExemptionIn,
    ExemptionDecisionIn,
    HallApprovalIn,
    CitizensHomeOpeningIn,
    ExceptionIn,
    SealUseIn,
    CaseIn,
    CaseStepIn,
)
from registry.inputs.types import Code, DecisionAction, Line, Name, PersonId, Time

__all__ = [
    "Body",
    "Coded",
    "DepartmentIn",
    "SectionIn",
    "HallIn",
    "PlaceIn",
    "SealIn",
    "PersonIn",
    "Limit",
    "Fee",
    "Material",
    "Entry",
    "ItemIn",
    "ItemReviewIn",
    "FeeReviewIn",
    "PersonGrantee",
    "GovServiceGrantee",
    "AuthorizationIn",
    "RevocationIn",
    "AbsenceIn",
    "DelegationIn",
    "SealCustodyIn",
    "StaffEntry",
    "StaffFilingIn",
    "ExemptionIn",
    "ExemptionDecisionIn",
    "HallApprovalIn",
    "CitizensHomeOpeningIn",
    "ExceptionIn",
    "SealUseIn",
    "CaseIn",
    "CaseStepIn",
    "DecisionIn",
    "LoginIn",
]


class DecisionIn(Body):
    person: PersonId
    action: DecisionAction
    item: Code
    at: Time | None = None
    known_at: Time | None = None
    place: Code | None = None
    seal: Code | None = None
    case: Annotated[Line, Field(min_length=1, max_length=64)] | None = None


class LoginIn(Body):
    name: Name
    password: Annotated[str, Field(min_length=1, max_length=200)]
