"""Cases (办件) and their steps, each step a signed record; alerts raised on them.

The web layer asks the rules engine before a case is accepted and computes the promised
due time with the working-day calendar; this module records what happened.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

import vocab
from registry.errors import Conflict, NotFound, invalid
from registry.models import Alert, Case, CaseStep, Person, Place
from registry.services._common import latest_item
from registry.services.context import FilingContext, iso
from registry.services.platform import application_key, mark_step

__all__ = ["application_key", "open_case", "add_step", "raise_alert", "acknowledge_alert"]


def open_case(ctx: FilingContext, data: dict[str, Any], *, key: str, due_at: datetime | None,
              clock_pending: bool, decision_id: str | None, platform_no: str | None = None,
              platform_due_at: datetime | None = None) -> Case:
    """Record an accepted case. `platform_due_at` set: accepted during a platform outage, the
    platform record is pending and due by then."""
    ctx.require_role("window", "gov_service", "department")
    item = latest_item(ctx.session, data["item"], published_only=True)
    if item is None:
        raise invalid("item", f"事项“{data['item']}”不在实施清单中")
    if ctx.session.get(Place, data["place"]) is None:
        raise invalid("place", f"场所“{data['place']}”不存在")
    if ctx.session.get(Case, data["number"]) is not None:
        raise Conflict(f"办件编号“{data['number']}”已存在")
    accepted_at = data.get("accepted_at") or ctx.now
    case = Case(number=data["number"], item=item.code, department=item.department, place=data["place"],
                application_key=key, accepted_at=accepted_at, due_at=due_at, clock_pending=clock_pending,
                platform_record=bool(data.get("platform_record", True)) and platform_due_at is None,
                platform_no=platform_no, pending_platform=platform_due_at is not None,
                platform_due_at=platform_due_at, decision_id=decision_id, filed_at=ctx.now)
    ctx.session.add(case)
    ctx.session.flush()
    case.log_index = ctx.log("case", {"number": case.number, "item": case.item, "department": case.department,
                                      "place": case.place, "accepted_at": iso(accepted_at), "due_at": iso(due_at),
                                      "application_key": key, "platform_record": case.platform_record,
                                      "platform_no": platform_no, "pending_platform": case.pending_platform,
                                      "decision_id": decision_id}, ref=case.number).index
    add_step(ctx, case.number, "accepted", person=data.get("person"), place=case.place, at=accepted_at)
    ctx.changed("case", case.number)
    return case


def add_step(ctx: FilingContext, number: str, step: str, *, person: int | None, place: str | None,
             at: datetime | None) -> CaseStep:
    if step not in vocab.CASE_STEPS:
        raise invalid("step", f"未知环节“{step}”")
    case = ctx.session.get(Case, number)
    if case is None:
        raise NotFound(f"办件“{number}”不存在")
    ctx.require_department(case.department)
    if place is not None and ctx.session.get(Place, place) is None:
        raise invalid("place", f"场所“{place}”不存在")
    if person is not None and ctx.session.get(Person, person) is None:
        raise invalid("person", f"人员“{person}”不存在")
    mark_step(case, step)
    row = CaseStep(case=number, step=step, at=at or ctx.now, place=place, person=person, filed_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    row.log_index = ctx.log("case_step", {"case": number, "step": step, "at": iso(row.at), "place": place,
                                          "person": person}, ref=number).index
    ctx.changed("case", number)
    return row


def raise_alert(ctx: FilingContext, *, key: str, rule: str, clause: str, level: str, text: str,
                department: str | None, case: str | None) -> Alert | None:
    """Idempotent: an alert with the same key is raised once, however often it is found."""
    if ctx.session.scalar(select(Alert.id).where(Alert.key == key)) is not None:
        return None
    alert = Alert(key=key, rule=rule, clause=clause, level=level, text=text, department=department, case=case,
                  raised_at=ctx.now)
    ctx.session.add(alert)
    ctx.session.flush()
    return alert


def acknowledge_alert(ctx: FilingContext, alert_id: int) -> Alert:
    alert = ctx.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"预警“{alert_id}”不存在")
    if alert.department:
        ctx.require_department(alert.department)
    if alert.state == "open":
        alert.state = "acknowledged"
        alert.acknowledged_at = ctx.now
    return alert
