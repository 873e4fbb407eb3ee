"""Filings about the organisation: departments, halls, places, people, staff, seals."""

from __future__ import annotations

import vocab

from typing import Any

from sqlalchemy import select

from registry.errors import Conflict, ErrorList, invalid
from registry.inputs.filings import (
    CitizensHomeOpeningIn,
    DepartmentIn,
    HallApprovalIn,
    HallIn,
    PersonIn,
    PlaceIn,
    SealIn,
    SectionIn,
    StaffFilingIn,
)
from registry.models import (
    CitizensHomeOpening,
    Department,
    FunctionSection,
    Hall,
    HallApproval,
    Person,
    Place,
    Seal,
    Section,
    StaffFiling,
)
from registry.services._common import (
    department,
    ensure_new,
    ensure_order,
    file_coded,
    get_or_invalid,
    person,
    signed_departments,
)
from registry.services.context import FilingContext, iso
from registry.record_views import log_state


def create_department(ctx: FilingContext, body: DepartmentIn) -> Department:
    ctx.require_role("gov_service")
    ensure_new(ctx.session, Department, body.code, "部门")
    if ctx.session.scalar(select(Department).where(Department.name == body.name)) is not None:
        raise Conflict(f"部门名称“{body.name}”已存在")
    if body.kind != "department":  # the city's bodies (市政府, 政务服务部门, 审改部门, 发改部门) are one each
        held = ctx.session.scalar(select(Department.name).where(Department.kind == body.kind).limit(1))
        if held is not None:
            raise Conflict(f"{vocab.DEPARTMENT_KINDS[body.kind]}已登记为“{held}”，全市只有一个")
    dept = Department(**body.model_dump(), created_at=ctx.now)
    log_state(ctx, "department", dept)
    return dept


def create_section(ctx: FilingContext, body: SectionIn) -> Section:
    _for_department(ctx, body.department, "gov_service", "department")
    if body.head is not None:
        _own_head(ctx, body.department, body.head)
    section = Section(**body.model_dump())
    log_state(ctx, "section", section)
    return section


def set_section_head(ctx: FilingContext, section_id: int, person_id: int) -> Section:
    section = get_or_invalid(ctx.session, Section, section_id, "section", "科室")
    ctx.require_department(section.department)
    _own_head(ctx, section.department, person_id)
    section.head = person_id
    log_state(ctx, "section", section)
    return section


def _own_head(ctx: FilingContext, department_code: str, person_id: int) -> None:
    """A section's head is one of its department's people: a department cannot make another
    department's person its head (and so the chief representative its plan names, XT-3.3.2)."""
    head = person(ctx.session, person_id, "head")
    if signed_departments(ctx, [head.id])[head.id] != department_code:
        raise invalid("head", f"科室负责人须为本部门（{department_code}）人员，“{head.name}”不属于本部门")


def _for_department(ctx: FilingContext, code: str, *roles: str) -> None:
    """The filer holds one of `roles` and files for a department that exists and, for a
    department user, is its own."""
    ctx.require_role(*roles)
    department(ctx.session, code)
    ctx.require_department(code)


def create_hall(ctx: FilingContext, body: HallIn) -> Hall:
    ctx.require_role("gov_service")
    return file_coded(ctx, Hall, body, "大厅", "hall", ("host_department",))


def create_place(ctx: FilingContext, body: PlaceIn) -> Place:
    """A place where acts happen; windows belong to a hall, offices to a department."""
    ctx.require_role("gov_service")
    errors = ErrorList()
    kind, hall, dept, function_section = body.kind, body.hall, body.department, body.function_section
    if kind in ("comprehensive_window", "department_window") and not hall:
        errors.add("hall", "窗口须属于一个大厅")
    if kind in ("department_window", "internal_office") and not dept:
        errors.add("department", "部门窗口和内部科室须注明部门")
    if kind == "internal_office" and hall:
        errors.add("hall", "内部科室不在大厅内")
    if function_section and kind != "comprehensive_window":
        errors.add("function_section", "只有综合受理窗口属于功能板块")
    errors.raise_if_any()
    if hall:
        get_or_invalid(ctx.session, Hall, hall, "hall", "大厅")
    if dept:
        department(ctx.session, dept)
    if function_section:
        get_or_invalid(ctx.session, FunctionSection, function_section, "function_section", "功能板块")
    ensure_new(ctx.session, Place, body.code, "场所")
    place = Place(**body.model_dump())
    log_state(ctx, "place", place)
    return place


def create_person(ctx: FilingContext, body: PersonIn) -> Person:
    _for_department(ctx, body.department, "gov_service", "department")
    if body.section is not None:
        section = get_or_invalid(ctx.session, Section, body.section, "section", "科室")
        if section.department != body.department:
            raise invalid("section", "科室不属于该部门")
    p = Person(**body.model_dump(), created_at=ctx.now)
    log_state(ctx, "person", p)
    return p


def file_staff(ctx: FilingContext, body: StaffFilingIn) -> StaffFiling:
    """备案: the department's (its own, unless named) chief representatives and resident staff (XT-3.3.2)."""
    dept = body.department or ctx.actor.department or ""
    _for_department(ctx, dept, "department", "gov_service")
    errors = ErrorList()
    people = [{"person": e.person, "role": e.role} for e in body.people]
    first: dict[Any, int] = {}
    departments = signed_departments(ctx, [e["person"] for e in people])
    for i, entry in enumerate(people):
        if entry["person"] in first:  # one person, one entry (and one role) per filing
            errors.add(f"people[{i}].person", f"与第{first[entry['person']] + 1}项重复：同一人员只能备案一次")
            continue
        first[entry["person"]] = i
        p = ctx.session.get(Person, entry["person"])
        if p is None:
            errors.add(f"people[{i}].person", f"人员“{entry['person']}”不存在")
        elif departments.get(p.id) != dept:
            errors.add(f"people[{i}].person", "人员不属于该部门")
    errors.raise_if_any()
    filing = StaffFiling(
        department=dept,
        people=people,
        filed_at=ctx.now,
        acknowledged_at=ctx.now if ctx.actor.role == "gov_service" else None,
    )
    ctx.record(
        filing,
        "staff_filing",
        lambda: {
            "id": filing.id,
            "department": filing.department,
            "people": [{"person": e["person"], "role": e["role"]} for e in people],
        },
    )
    return filing


def acknowledge_staff(ctx: FilingContext, filing_id: int) -> StaffFiling:
    ctx.require_role("gov_service")
    filing = get_or_invalid(ctx.session, StaffFiling, filing_id, "id", "备案")
    if filing.acknowledged_at is None:
        filing.acknowledged_at = ctx.now
        ctx.log("staff_acknowledgement", {"staff_filing": filing.id}, ref=filing.id)
        ctx.changed("staff_filing", filing.id)
    return filing


def file_hall_approval(ctx: FilingContext, body: HallApprovalIn) -> HallApproval:
    ctx.require_role("government")
    hall = get_or_invalid(ctx.session, Hall, body.hall, "hall", "大厅")
    if hall.kind != "sub":
        raise invalid("hall", "只有专业分厅需要批准保留")
    ensure_order(body.valid_from, body.valid_to, "valid_from", "valid_to")
    row = HallApproval(**body.model_dump(), filed_at=ctx.now)
    ctx.record(
        row,
        "hall_approval",
        lambda: {
            "id": row.id,
            "hall": row.hall,
            "valid_from": iso(row.valid_from),
            "valid_to": iso(row.valid_to),
            "document_no": row.document_no,
        },
    )
    return row


def file_citizens_home_opening(ctx: FilingContext, body: CitizensHomeOpeningIn) -> CitizensHomeOpening:
    ctx.require_role("government")
    row = CitizensHomeOpening(**body.model_dump(), filed_at=ctx.now)
    ctx.record(
        row, "citizens_home_opening", lambda: {"id": row.id, "date": iso(row.date), "document_no": row.document_no}
    )
    return row


def create_seal(ctx: FilingContext, body: SealIn) -> Seal:
    ctx.require_role("gov_service")
    department(ctx.session, body.department)
    ensure_new(ctx.session, Seal, body.code, "印章")
    seal = Seal(**body.model_dump())
    log_state(ctx, "seal", seal)
    return seal
