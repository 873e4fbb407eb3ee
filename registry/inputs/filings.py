"""The filings' inputs: one pydantic model per filing, the input type of its registry service
(registry.services), validated by the API (web.api.schemas re-exports them: the OpenAPI document is
generated from these same classes), by the pages (a form is read into the same model) and by the CLI.
Unknown fields are refused (extra="forbid")."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from registry.inputs.types import (
    Blank,
    Action,
    CaseStep,
    CaseType,
    Code,
    Complexity,
    DepartmentKind,
    EntryPhase,
    ExemptionReason,
    Group,
    HallKind,
    ItemType,
    LimitUnit,
    Line,
    Name,
    OnlineDepth,
    PersonId,
    PlaceKind,
    Post,
    RecordId,
    SealKind,
    SectionKind,
    StaffRole,
    Text,
    Time,
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Coded(Body):
    """Something the registry knows by a code, with a name."""

    code: Code
    name: Name


class DepartmentIn(Coded):
    group: Group = "city_department"
    kind: DepartmentKind = "department"
    entry_phase: EntryPhase | None = None
    low_volume: bool = False
    placeholder: bool = False
    note: Annotated[str, Field(max_length=2000)] | None = None


class DirectoryItemIn(Coded):
    """An entry of the reform office's item directory (权责清单目录) that items refer to."""

    item_type: ItemType
    legal_basis: Annotated[str, Field(max_length=2000)] | None = None


class FunctionSectionIn(Coded):
    """A 功能板块 of the hall with its ordered chain of item codes (XT-3.5)."""

    lead_department: Code | None = None
    whole_chain: bool = False
    chain: list[Code] = []


class SectionIn(Body):
    department: Code
    name: Name
    kind: SectionKind = "business"
    entered_whole: bool = False
    head: PersonId | None = None


class HallIn(Coded):
    kind: HallKind
    host_department: Code | None = None


class PlaceIn(Coded):
    kind: PlaceKind
    hall: Code | None = None
    department: Code | None = None
    function_section: Code | None = None


class SealIn(Coded):
    department: Annotated[Code, Blank("请填写部门")]
    kind: SealKind


class PersonIn(Body):
    name: Annotated[Line, Field(min_length=1, max_length=50)]
    department: Code
    section: RecordId | None = None
    position: Annotated[Line, Field(max_length=100)] = ""


class Limit(Body):
    value: Annotated[float, Field(ge=0, le=100000)]
    unit: LimitUnit


class Fee(Coded):
    basis: Annotated[str, Field(max_length=2000)] = ""
    standard: Annotated[str, Field(max_length=2000)] = ""


class Material(Coded):
    entry: Code | None = None  # the city material dictionary's entry (材料目录) it refers to


class Entry(Body):
    hall: Code


class ItemIn(Body):
    code: Code
    name: Name
    department: Code
    item_type: ItemType
    case_type: CaseType
    directory_item: Code | None = None
    on_application: bool = True
    report_up: bool = False
    joint: bool = False
    partners: list[Code] = []
    complexity: Complexity = "simple"
    statutory_limit: Limit | None = None
    promised_limit: Limit | None = None
    promised_limit_2017: Limit | None = None
    fees: list[Fee] = []
    materials: list[Material] = []
    online_depth: OnlineDepth = "on_site"
    function_section: Code | None = None
    entry: Entry | None = None
    effective_from: Time | None = None


class ItemReviewIn(Body):
    result: Annotated[Literal["approved", "returned"], Blank("审核结果须为“通过”（approved）或“退回”（returned）")]
    reasons: list[Text] = []


class FeeReviewIn(Body):
    fee: Code | None = None
    result: Literal["approved", "returned"]
    basis_ok: bool
    standard_ok: bool
    note: Annotated[str, Field(max_length=2000)] | None = None


class PersonGrantee(Body):
    person: PersonId


class GovServiceGrantee(Body):
    gov_service: Literal[True]


class AuthorizationIn(Body):
    grantor: Code
    grantee: Union[PersonGrantee, GovServiceGrantee]
    post: Post | None = None
    backs: RecordId | None = None
    powers: Annotated[list[Action], Field(min_length=1)]
    items: Union[Literal["*"], Annotated[list[Code], Field(min_length=1)]] = "*"
    valid_from: Time | None = None
    valid_to: Time | None = None


class RevocationIn(Body):
    at: Time | None = None
    reason: Annotated[Text, Blank("须写明撤销理由")]


class AbsenceIn(Body):
    person: Annotated[PersonId, Blank("请选择人员")]
    from_: Time = Field(alias="from")
    to: Time | None = None
    reason: Annotated[Text, Blank("须写明缺位原因")]


class DelegationIn(Body):
    department: Code | None = None
    items: Union[Literal["*"], Annotated[list[Code], Field(min_length=1)]] = "*"
    from_: Time = Field(alias="from")
    to: Time | None = None


class SealCustodyIn(Body):
    seal: Code
    person: PersonId
    from_: Time | None = Field(default=None, alias="from")
    to: Time | None = None


class StaffEntry(Body):
    person: PersonId
    role: StaffRole


class StaffFilingIn(Body):
    department: Code | None = None
    people: Annotated[list[StaffEntry], Field(min_length=1), Blank("至少备案一人")]


class ExemptionIn(Body):
    item: Annotated[Code, Blank("请选择事项")]
    reason: ExemptionReason
    basis: Annotated[Text, Blank("须写明依据")]
    effective_from: Time
    effective_to: Time | None = None


class ExemptionDecisionIn(Body):
    result: Literal["approved", "refused"]
    document_no: Annotated[Line, Field(min_length=1, max_length=100), Blank("须注明批准文号")]


class HallApprovalIn(Body):
    hall: Annotated[Code, Blank("请选择专业分厅")]
    valid_from: Time
    valid_to: Time | None = None
    document_no: Annotated[Line, Field(min_length=1, max_length=100)]


class CitizensHomeOpeningIn(Body):
    date: Time
    document_no: Annotated[Line, Field(max_length=100)] | None = None


class ExceptionIn(Body):
    rule: Annotated[Line, Field(min_length=1, max_length=100)]
    subject: Annotated[Line, Field(min_length=1, max_length=200)]
    reason: Text
    until: Time | None = None


class SealUseIn(Body):
    seal: Annotated[Code, Blank("请填写印章")]
    person: PersonId
    item: Annotated[Code, Blank("请填写事项")]
    case: Annotated[Line, Field(min_length=1, max_length=64), Blank("请填写办件编号")]
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$"), Blank("请选择要用印的文件（或填写其 SHA-256）")]
    place: Annotated[Code, Blank("请填写场所")]


class CaseIn(Body):
    number: Annotated[Line, Field(min_length=1, max_length=64)]
    item: Annotated[Code, Blank("请填写事项")]
    place: Annotated[Code, Blank("请填写受理场所")]
    person: PersonId
    applicant: Annotated[Line, Field(min_length=1, max_length=100), Blank("请填写申请人")]
    application_date: Time | None = None
    accepted_at: Time | None = None
    platform_no: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class CaseStepIn(Body):
    step: Annotated[CaseStep, Blank("请选择环节")]
    person: PersonId | None = None
    place: Code | None = None
    at: Time | None = None
