"""Filings about the organisation: departments, halls, places, people, staff, seals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

import vocab
from registry.errors import Conflict, ErrorList, invalid
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
    code_of,
    department,
    ensure_new,
    ensure_order,
    get_or_invalid,
    person,
    signed_departments,
)
from registry.services.context import FilingContext, iso
from registry.record_views import log_state


def create_department(ctx: FilingContext, data: dict[str, Any]) -> Department:
    ctx.require_role("gov_service")
    errors = ErrorList()
    group = code_of(errors, vocab.DEPARTMENT_GROUPS, data.get("group", "city_department"), "group")
    phase = code_of(errors, vocab.ENTRY_PHASES, data.get("entry_phase"), "entry_phase")
    kind = data.get("kind", "department")
    if kind not in vocab.DEPARTMENT_KINDS:
        errors.add("kind", f"未知机构类别“{kind}”")
    errors.raise_if_any()
    ensure_new(ctx.session, Department, data["code"], "部门")
    if ctx.session.scalar(select(Department).where(Department.name == data["name"])) is not None:
        raise Conflict(f"部门名称“{data['name']}”已存在")
    dept = Department(
        code=data["code"],
        name=data["name"],
        group=group,
        kind=kind,
        entry_phase=phase,
        low_volume=bool(data.get("low_volume", False)),
        placeholder=bool(data.get("placeholder", False)),
        note=data.get("note"),
        created_at=ctx.now,
    )
    log_state(ctx, "department", dept)
    return dept


def create_section(ctx: FilingContext, data: dict[str, Any]) -> Section:
    _for_department(ctx, data["department"], "gov_service", "department")
    errors = ErrorList()
    kind = code_of(errors, vocab.SECTION_KINDS, data.get("kind", "business"), "kind")
    errors.raise_if_any()
    if data.get("head") is not None:
        _own_head(ctx, data["department"], data["head"])
    section = Section(
        department=data["department"],
        name=data["name"],
        kind=kind,
        entered_whole=bool(data.get("entered_whole", False)),
        head=data.get("head"),
    )
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


def create_hall(ctx: FilingContext, data: dict[str, Any]) -> Hall:
    ctx.require_role("gov_service")
    errors = ErrorList()
    kind = code_of(errors, vocab.HALL_KINDS, data.get("kind"), "kind")
    errors.raise_if_any()
    if data.get("host_department"):
        department(ctx.session, data["host_department"], "host_department")
    ensure_new(ctx.session, Hall, data["code"], "大厅")
    hall = Hall(code=data["code"], name=data["name"], kind=kind, host_department=data.get("host_department"))
    log_state(ctx, "hall", hall)
    return hall


def create_place(ctx: FilingContext, data: dict[str, Any]) -> Place:
    """A place where acts happen; windows belong to a hall, offices to a department."""
    ctx.require_role("gov_service")
    errors = ErrorList()
    kind = code_of(errors, vocab.PLACE_KINDS, data.get("kind"), "kind")
    errors.raise_if_any()
    hall, dept = data.get("hall"), data.get("department")
    if kind in ("comprehensive_window", "department_window") and not hall:
        errors.add("hall", "窗口须属于一个大厅")
    if kind in ("department_window", "internal_office") and not dept:
        errors.add("department", "部门窗口和内部科室须注明部门")
    if kind == "internal_office" and hall:
        errors.add("hall", "内部科室不在大厅内")
    if data.get("function_section") and kind != "comprehensive_window":
        errors.add("function_section", "只有综合受理窗口属于功能板块")
    errors.raise_if_any()
    if hall:
        get_or_invalid(ctx.session, Hall, hall, "hall", "大厅")
    if dept:
        department(ctx.session, dept)
    if data.get("function_section"):
        get_or_invalid(ctx.session, FunctionSection, data["function_section"], "function_section", "功能板块")
    ensure_new(ctx.session, Place, data["code"], "场所")
    place = Place(
        code=data["code"],
        name=data["name"],
        kind=kind,
        hall=hall,
        department=dept,
        function_section=data.get("function_section"),
    )
    log_state(ctx, "place", place)
    return place


def create_person(ctx: FilingContext, data: dict[str, Any]) -> Person:
    _for_department(ctx, data["department"], "gov_service", "department")
    if data.get("section") is not None:
        section = get_or_invalid(ctx.session, Section, data["section"], "section", "科室")
        if section.department != data["department"]:
            raise invalid("section", "科室不属于该部门")
    p = Person(
        name=data["name"],
        department=data["department"],
        section=data.get("section"),
        position=data.get("position") or "",
        created_at=ctx.now,
    )
    log_state(ctx, "person", p)
    return p


def file_staff(ctx: FilingContext, data: dict[str, Any]) -> StaffFiling:
    """备案: the department's chief representatives and resident staff (XT-3.3.2)."""
    _for_department(ctx, data["department"], "department", "gov_service")
    errors = ErrorList()
    people = data.get("people") or []
    if not people:
        errors.add("people", "至少备案一人")
    first: dict[Any, int] = {}
    departments = signed_departments(ctx, [e.get("person") for e in people if isinstance(e.get("person"), int)])
    for i, entry in enumerate(people):
        if entry.get("person") in first:  # one person, one entry (and one role) per filing
            errors.add(f"people[{i}].person", f"与第{first[entry.get('person')] + 1}项重复：同一人员只能备案一次")
            continue
        first[entry.get("person")] = i
        p = ctx.session.get(Person, entry.get("person"))
        if p is None:
            errors.add(f"people[{i}].person", f"人员“{entry.get('person')}”不存在")
        elif departments.get(p.id) != data["department"]:
            errors.add(f"people[{i}].person", "人员不属于该部门")
        if entry.get("role") not in vocab.STAFF_ROLES:
            errors.add(f"people[{i}].role", "须为“首席代表”（chief_representative）或“进驻人员”（staff）")
    errors.raise_if_any()
    filing = StaffFiling(
        department=data["department"],
        people=[dict(e) for e in people],
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


def file_hall_approval(ctx: FilingContext, data: dict[str, Any]) -> HallApproval:
    ctx.require_role("government")
    hall = get_or_invalid(ctx.session, Hall, data["hall"], "hall", "大厅")
    if hall.kind != "sub":
        raise invalid("hall", "只有专业分厅需要批准保留")
    ensure_order(data["valid_from"], data.get("valid_to"), "valid_from", "valid_to")
    row = HallApproval(
        hall=hall.code,
        valid_from=data["valid_from"],
        valid_to=data.get("valid_to"),
        document_no=data.get("document_no"),
        filed_at=ctx.now,
    )
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


def file_citizens_home_opening(ctx: FilingContext, data: dict[str, Any]) -> CitizensHomeOpening:
    ctx.require_role("government")
    row = CitizensHomeOpening(date=data["date"], document_no=data.get("document_no"), filed_at=ctx.now)
    ctx.record(
        row, "citizens_home_opening", lambda: {"id": row.id, "date": iso(row.date), "document_no": row.document_no}
    )
    return row


def create_seal(ctx: FilingContext, data: dict[str, Any]) -> Seal:
    ctx.require_role("gov_service")
    department(ctx.session, data["department"])
    errors = ErrorList()
    kind = code_of(errors, vocab.SEAL_KINDS, data.get("kind"), "kind")
    errors.raise_if_any()
    ensure_new(ctx.session, Seal, data["code"], "印章")
    seal = Seal(code=data["code"], name=data["name"], department=data["department"], kind=kind)
    log_state(ctx, "seal", seal)
    return seal
