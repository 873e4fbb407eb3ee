"""帮办代办: who may act for an applicant on a case (XT-3.5, XT-3.2; docs/design.md §12.2).

"大力推行帮办代办机制" (三(五)) is the hall's service: a comprehensive window (综合受理窗口) helps the
applicant and acts as agent. "业务复杂必须由多个业务科室(股室)承担的，由该科室(股室)承担统筹、协调和代办
职能" (三(二)): the department's approval service section acts as agent as well. An `agency` step is
recorded on the case by one of these; anyone else is refused before anything is written, citing
the pack's rule `service.agency`. Pure: the caller reads the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from .decision import Reason
from .pack import Pack

AGENCY = "service.agency"


@dataclass(frozen=True)
class AgencyAct:
    """An agency step asked for, and the facts it is decided on."""

    place_kind: str | None  # kind of the place it is recorded at (None: no place given)
    place_name: str
    person_name: str
    in_approval_section: bool  # the person belongs to the case department's approval service section
    department_name: str  # the case's department


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
