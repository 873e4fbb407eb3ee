"""Cases (办件) and their steps, each step a signed record; alerts raised on them.

The web layer asks the rules engine before a case is accepted and computes the promised
due time with the working-day calendar; this module records what happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

import vocab
from registry.errors import Conflict, NotFound, invalid
from registry.fastsql import BulkInsert, connection, run, transient
from registry.models import Alert, Case, CaseStep, ItemVersion, Person, Place
from registry.services._common import latest_item
from registry.services.context import FilingContext, iso
from registry.services.platform import application_key, mark_step

# Whether the place, the case number and the person exist, in one statement.
_EXISTING = select(
    select(Place.code).where(Place.code == bindparam("place")).scalar_subquery(),
    select(Case.number).where(Case.number == bindparam("number")).scalar_subquery(),
    select(Person.id).where(Person.id == bindparam("person")).scalar_subquery(),
)
_INSERT_CASE = BulkInsert(Case.__table__)
_INSERT_STEP = BulkInsert(CaseStep.__table__)

__all__ = ["application_key", "open_case", "add_step", "raise_alert", "acknowledge_alert"]


def open_case(
    ctx: FilingContext,
    data: dict[str, Any],
    *,
    key: str,
    due_at: datetime | None,
    clock_pending: bool,
    decision_id: str | None,
    platform_no: str | None = None,
    platform_due_at: datetime | None = None,
    item: ItemVersion | None = None,
) -> Case:
    """Record an accepted case and its first step. `platform_due_at` set: accepted during a platform
    outage, the platform record is pending and due by then. `item`: the published version the
    caller already read in this transaction (read here when not given).

    Each record is logged before its row is inserted, so each row is written once, with its log
    index (no UPDATE after the append), and the change feed gets one entry for the case."""
    ctx.require_role("window", "gov_service", "department")
    if item is None:
        item = latest_item(ctx.session, data["item"], published_only=True)
    if item is None:
        raise invalid("item", f"事项“{data['item']}”不在实施清单中")
    person = data.get("person")
    place, taken, known_person = run(ctx.session, _EXISTING, place=data["place"], number=data["number"], person=person)[
        0
    ]
    if place is None:
        raise invalid("place", f"场所“{data['place']}”不存在")
    if taken is not None:
        raise Conflict(f"办件编号“{data['number']}”已存在")
    if person is not None and known_person is None:
        raise invalid("person", f"人员“{person}”不存在")
    accepted_at = data.get("accepted_at") or ctx.now
    platform_record = bool(data.get("platform_record", True)) and platform_due_at is None
    pending = platform_due_at is not None
    logged = ctx.log(
        "case",
        {
            "number": data["number"],
            "item": item.code,
            "department": item.department,
            "place": data["place"],
            "accepted_at": iso(accepted_at),
            "due_at": iso(due_at),
            "application_key": key,
            "platform_record": platform_record,
            "platform_no": platform_no,
            "pending_platform": pending,
            "platform_due_at": iso(platform_due_at),
            "decision_id": decision_id,
        },
        ref=data["number"],
    )
    values = {
        "number": data["number"],
        "item": item.code,
        "department": item.department,
        "place": data["place"],
        "application_key": key,
        "accepted_at": accepted_at,
        "due_at": due_at,
        "clock_pending": clock_pending,
        "platform_record": platform_record,
        "platform_no": platform_no,
        "pending_platform": pending,
        "platform_due_at": platform_due_at,
        "decision_id": decision_id,
        "status": "open",
        "filed_at": ctx.now,
        "log_index": logged.index,
    }
    # The rows go straight to the driver (registry.fastsql): the caller only reads the case back, and
    # nothing reads the step's row back. The unique open platform_no is checked by this insert, inside
    # the transaction.
    _INSERT_CASE.run(connection(ctx.session), [values])
    case = transient(Case, values)
    step = _log_step(ctx, case, "accepted", person=person, place=case.place, at=accepted_at)
    _INSERT_STEP.run(connection(ctx.session), [step])
    ctx.changed("case", case.number)
    ctx.session.flush()
    return case


def add_step(
    ctx: FilingContext, number: str, step: str, *, person: int | None, place: str | None, at: datetime | None
) -> CaseStep:
    if step not in vocab.CASE_STEPS:
        raise invalid("step", f"未知环节“{step}”")
    case = ctx.session.get(Case, number)
    if case is None:
        raise NotFound(f"办件“{number}”不存在")
    # The department the case's signed record states, never the row's (docs/design.md §12.3).
    signed = ctx.signed(lambda state: (state.tables["cases"].get(number) or {}).get("department"), kinds=("case",))
    if signed is None:
        raise invalid("case", f"办件“{number}”没有签名记录")
    ctx.require_department(signed)
    if place is not None and ctx.session.get(Place, place) is None:
        raise invalid("place", f"场所“{place}”不存在")
    if person is not None and ctx.session.get(Person, person) is None:
        raise invalid("person", f"人员“{person}”不存在")
    row = _step(ctx, case, step, person=person, place=place, at=at)
    ctx.changed("case", number)
    ctx.session.flush()
    return row


def _step(
    ctx: FilingContext, case: Case, step: str, *, person: int | None, place: str | None, at: datetime | None
) -> CaseStep:
    """Log one step of `case`, then add its row (stamped with the log index) to the session."""
    row = CaseStep(**_log_step(ctx, case, step, person=person, place=place, at=at))
    ctx.session.add(row)
    return row


def _log_step(
    ctx: FilingContext, case: Case, step: str, *, person: int | None, place: str | None, at: datetime | None
) -> dict[str, Any]:
    """Log one step of `case`; the values of its row, stamped with the log index."""
    mark_step(case, step)
    at = at or ctx.now
    logged = ctx.log(
        "case_step",
        {"case": case.number, "step": step, "at": iso(at), "place": place, "person": person},
        ref=case.number,
    )
    return {
        "case": case.number,
        "step": step,
        "at": at,
        "place": place,
        "person": person,
        "filed_at": ctx.now,
        "log_index": logged.index,
    }


def raise_alert(
    ctx: FilingContext,
    *,
    key: str,
    rule: str,
    clause: str,
    level: str,
    text: str,
    department: str | None,
    case: str | None,
) -> Alert | None:
    """Idempotent: an alert with the same key is raised once, however often it is found."""
    if ctx.session.scalar(select(Alert.id).where(Alert.key == key)) is not None:
        return None
    alert = Alert(
        key=key, rule=rule, clause=clause, level=level, text=text, department=department, case=case, raised_at=ctx.now
    )
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
