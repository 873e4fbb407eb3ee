"""The demo's organisation: low-volume marks, sections and people (2018-12-03), places (2018-12-05),
the sub-halls the government retains (2018-12-20) and the seals (2018-12-24)."""

from __future__ import annotations

from registry.demo.plan import DEPT_NAMES, GOV_SERVICE, GOVERNMENT, Plan
from registry.models import Department
from registry.seed.demo_city import (
    BUSINESS_SEALS,
    COMPREHENSIVE_WINDOWS,
    DEPT_PLANS,
    GOV_SERVICE_STAFF,
    SUB_HALL_APPROVALS,
    SUB_HALL_WINDOWS,
    VALID_FROM,
    sh,
)
from registry.services import org


def mark_low_volume(plan: Plan) -> None:
    def run():
        for p in DEPT_PLANS:
            if p.low_volume:
                d = plan.base.session.get(Department, p.code)
                if not d.low_volume:
                    d.low_volume = True  # no filing service changes a department; reference data
                    plan.base.changed("department", d.code, "low_volume")

    plan.add("办件量少的部门", run)


def _section(plan: Plan, label, code, name, kind, whole) -> None:
    def run():
        s = org.create_section(
            plan.dept(code, sh(2018, 12, 3, 10)),
            {"department": code, "name": name, "kind": kind, "entered_whole": whole},
        )
        plan.st.sections[(code, name)] = s.id
        plan.count("sections")

    plan.add(f"科室 {label}", run)


def _person(plan: Plan, label, code, key, section_name, position, head=False) -> None:
    def run():
        section = plan.st.sections.get((code, section_name)) if section_name else None
        p = org.create_person(
            plan.dept(code, sh(2018, 12, 3, 11)),
            {"name": plan.names(), "department": code, "section": section, "position": position},
        )
        plan.st.people[(code, key)] = p.id
        if head and section is not None:
            org.set_section_head(plan.dept(code, sh(2018, 12, 3, 11)), section, p.id)
        plan.count("people")

    plan.add(f"人员 {code} {label}", run)


def sections_and_people(plan: Plan) -> None:
    """The government service department's own staff, then each department's sections and people."""
    for sec in GOV_SERVICE_STAFF["sections"]:
        _section(plan, f"ZWFW {sec}", "ZWFW", sec, "business", True)
    for p in GOV_SERVICE_STAFF["people"]:
        _person(plan, p["key"], "ZWFW", p["key"], p["section"], p["position"], p["head"])
    for i in range(1, GOV_SERVICE_STAFF["windows"] + 1):
        _person(plan, f"窗口{i}", "ZWFW", f"window{i}", "综合受理科", "综合受理窗口工作人员")

    for p in DEPT_PLANS:
        if p.approval:
            _section(plan, p.code, p.code, p.approval, "approval_service", p.entered_whole)
        for b in p.business:
            _section(plan, f"{p.code} {b}", p.code, b, "business", False)
        if p.approval:
            _person(plan, "科长", p.code, "head", p.approval, f"{p.approval}科长", True)
            _person(plan, "副科长", p.code, "deputy", p.approval, f"{p.approval}副科长")
            for i in (1, 2):
                _person(plan, f"科员{i}", p.code, f"clerk{i}" if i > 1 else "clerk", p.approval, f"{p.approval}科员")
        for j, b in enumerate(p.business):
            head = f"{b}科长" if not b.endswith(("队", "所", "处", "中心")) else f"{b}负责人"
            _person(plan, b, p.code, f"biz{j}", b, head, True)
        if not p.approval:
            b = p.business[0]
            _person(plan, "副科长", p.code, "deputy", b, f"{b}副科长")
            _person(plan, "科员", p.code, "clerk", b, f"{b}科员")
        if p.a == "office":
            _person(plan, "办公室", p.code, "office", None, "办公室副主任")


def places(plan: Plan) -> None:
    """Comprehensive windows, the departments' windows and internal offices, the sub-halls' windows."""
    opened = sh(2018, 12, 5)

    def place(code: str, data: dict) -> None:
        plan.file(f"场所 {code}", GOV_SERVICE, opened, "places", org.create_place, {"code": code, **data})

    for code, name, hall, fs in COMPREHENSIVE_WINDOWS:
        place(code, {"name": name, "kind": "comprehensive_window", "hall": hall, "function_section": fs})
    for p in DEPT_PLANS:
        dname = DEPT_NAMES.get(p.code, p.code)
        city = [it for it in plan.items_by_dept[p.code] if (it.data["entry"] or {}).get("hall") == "CITY"]
        if p.window and city:
            place(
                f"{p.code}-CK",
                {"name": f"{dname}窗口", "kind": "department_window", "hall": "CITY", "department": p.code},
            )
        if p.internal_office:
            sec = p.business[0] if p.business else p.approval
            place(f"{p.code}-NB", {"name": f"{dname}{sec}", "kind": "internal_office", "department": p.code})
    for code, name, hall, d_code in SUB_HALL_WINDOWS:
        place(code, {"name": name, "kind": "department_window", "hall": hall, "department": d_code})


def hall_approvals(plan: Plan) -> None:
    for hall in SUB_HALL_APPROVALS["halls"]:
        data = {
            "hall": hall,
            "valid_from": VALID_FROM,
            "valid_to": None,
            "document_no": SUB_HALL_APPROVALS["document_no"],
        }
        plan.file(f"分厅批准 {hall}", GOVERNMENT, sh(2018, 12, 20), "hall_approvals", org.file_hall_approval, data)


def seals(plan: Plan) -> list[tuple[str, str]]:
    """An approval seal for every department with licensing items, and a few business seals;
    returns (seal, department) of each."""
    out: list[tuple[str, str]] = []

    def seal(code: str, name: str, department: str, kind: str) -> None:
        out.append((code, department))
        data = {"code": code, "name": name, "department": department, "kind": kind}
        plan.file(f"印章 {code}", GOV_SERVICE, sh(2018, 12, 24), "seals", org.create_seal, data)

    for p in DEPT_PLANS:
        if any(it.data["item_type"] == "licensing" for it in plan.items_by_dept[p.code]):
            seal(f"{p.code}-SPZ", f"{DEPT_NAMES.get(p.code, p.code)}行政审批专用章", p.code, "approval")
    for code, name, d_code in BUSINESS_SEALS:
        seal(code, f"{DEPT_NAMES.get(d_code, d_code)}{name}", d_code, "business")
    return out
