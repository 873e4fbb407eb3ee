"""The door of an agency step (帮办代办, XT-3.5 and XT-3.2; rules.agency): read who and where inside
the step's write transaction, and refuse before anything is written."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.errors import NotFound
from registry.models import Case, Department, Person, Place, Section
from rules.agency import AgencyAct, refusals
from rules.pack import Pack
from application.acts import ActRefused


def check_agency(session: Session, pack: Pack, number: str, person: int | None, place: str | None) -> None:
    """Raises ActRefused unless the step is recorded at a comprehensive window or by a person of
    the case department's approval service section."""
    case = session.get(Case, number)
    if case is None:
        raise NotFound(f"办件“{number}”不存在")
    where = session.get(Place, place) if place else None
    who = session.get(Person, person) if person is not None else None
    section = session.get(Section, who.section) if who is not None and who.section is not None else None
    department = session.get(Department, case.department)
    act = AgencyAct(
        place_kind=where.kind if where else None,
        place_name=where.name if where else "",
        person_name=who.name if who else "记录人",
        in_approval_section=(
            section is not None and section.kind == "approval_service" and section.department == case.department
        ),
        department_name=department.name if department else case.department,
    )
    reasons = refusals(pack, act)
    if reasons:
        raise ActRefused("不允许记录帮办代办", reasons)
