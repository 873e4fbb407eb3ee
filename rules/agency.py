"""帮办代办: who may act for an applicant on a case (XT-3.5, XT-3.2; docs/design.md §12.2).

"大力推行帮办代办机制" (三(五)) is the hall's service: a comprehensive window (综合受理窗口) helps the
applicant and acts as agent. "业务复杂必须由多个业务科室(股室)承担的，由该科室(股室)承担统筹、协调和代办
职能" (三(二)): the department's approval service section acts as agent as well. An `agency` step is
recorded on the case by one of these; anyone else is refused before anything is written, citing
the pack's rule `service.agency`. Pure: the caller hands over the facts (signed rows as dicts).

One rule for every question about it: the case step's door (application.agency), the decision
endpoint (`POST /decisions` with action `agency`, rules.engine) and the finding over steps recorded
before the door (rules.door_checks) build the act with `act_in` and decide with `entitled`, and
the door and the endpoint give the same reasons (`answer`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .decision import Reason, WhyNot
from .pack import Pack
from .shapes import JSON, Row

AGENCY = "service.agency"


@dataclass(frozen=True)
class AgencyAct:
    """An agency step asked for, and the facts it is decided on."""

    place_kind: str | None  # kind of the place it is recorded at (None: no place given)
    place_name: str
    person_name: str
    in_approval_section: bool  # the person belongs to the case department's approval service section
    department_name: str  # the case's department


SECTION_CLAUSE = "XT-3.2"  # 审批服务科室“承担统筹、协调和代办职能”


def act_in(tables: dict[str, dict[JSON, Row]], person: JSON, department: JSON, place: JSON) -> AgencyAct:
    """The act of `person` (an id, or None) at `place` (a code, or None) for a case or item of
    `department`, read from the signed facts' tables (people, places, sections, departments)."""
    where = tables["places"].get(place) if place is not None else None
    who = tables["people"].get(person) if person is not None else None
    section = tables["sections"].get(who.get("section")) if who is not None else None
    dept = tables["departments"].get(department) or {}
    return AgencyAct(
        place_kind=where.get("kind") if where else None,
        place_name=(where.get("name") or place) if where else "无",
        person_name=(who.get("name") or str(person)) if who else "记录人",
        in_approval_section=bool(
            section and section.get("kind") == "approval_service" and section.get("department") == department
        ),
        department_name=dept.get("name") or str(department),
    )


def entitled(act: AgencyAct) -> bool:
    return act.place_kind == "comprehensive_window" or act.in_approval_section


def refusals(pack: Pack, act: AgencyAct) -> list[Reason]:
    """[] when the act may be recorded, else the reason (rule, clause, text, detail)."""
    if entitled(act):
        return []
    rule = pack.by_id[AGENCY]
    where = f"“{act.place_name}”不是综合受理窗口" if act.place_kind else "没有在综合受理窗口办理"
    detail = (
        f"帮办代办由综合受理窗口或{act.department_name}的审批服务科室为申请人办理；{where}，"
        f"{act.person_name}也不是{act.department_name}审批服务科室的人员"
    )
    return [{"rule": rule.id, "clause": rule.clause, "text": rule.text, "detail": detail}]


def answer(pack: Pack, act: AgencyAct, item_name: str) -> tuple[bool, list[Reason], WhyNot | None]:
    """(allowed, reasons, why_not) of the question "may this person do agency here?": the reasons
    for (the comprehensive window, XT-3.5; the approval service section, XT-3.2) or the door's refusal."""
    rule = pack.by_id[AGENCY]
    refused = refusals(pack, act)
    if refused:
        failed = (
            "place.kind != comprehensive_window and person not in the approval_service section of the item's department"
        )
        return False, refused, {"rule": rule.id, "clause": rule.clause, "failed": failed, "text": refused[0]["detail"]}
    reasons: list[Reason] = []
    if act.place_kind == "comprehensive_window":
        detail = f"“{act.place_name}”是综合受理窗口，可为申请人帮办代办“{item_name}”"
        reasons.append({"rule": rule.id, "clause": rule.clause, "text": rule.text, "detail": detail})
    if act.in_approval_section:
        detail = f"{act.person_name}是{act.department_name}审批服务科室的人员，可为申请人帮办代办“{item_name}”"
        clause = pack.clauses.get(SECTION_CLAUSE) or {}
        reasons.append({"rule": rule.id, "clause": SECTION_CLAUSE, "text": clause.get("text", ""), "detail": detail})
    return True, reasons, None
