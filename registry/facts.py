"""Export the registry as plain facts for the rules engine (docs/facts.md).

This is the one way data leaves the registry for rules/: dicts of plain values, so the
engine never sees a session or a model. The facts are the signed records of the log folded
(registry.signed_facts); a worker keeps them current from the log's tail (application.policy).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Case, CaseStep, ItemVersion
from registry.models.catalog import ITEM_FIELDS, ITEM_LISTS


def item_fact(i: ItemVersion) -> dict[str, Any]:
    fact: dict[str, Any] = {"code": i.code, "version": i.version}
    for name in ITEM_FIELDS[1:]:  # after the code
        value = getattr(i, name)
        fact[name] = list(value or []) if name in ITEM_LISTS else value
    return {**fact, "status": i.status, "filed_at": i.filed_at}


def _case(session: Session, c: Case) -> dict[str, Any]:
    steps = session.scalars(select(CaseStep).where(CaseStep.case == c.number).order_by(CaseStep.at))
    return {
        "number": c.number,
        "item": c.item,
        "place": c.place,
        "accepted_at": c.accepted_at,
        "application_key": c.application_key,
        "platform_record": c.platform_record,
        "platform_no": c.platform_no,
        "status": c.status,
        "pending_platform": c.pending_platform,
        "steps": [{"step": s.step, "at": s.at, "place": s.place, "person": s.person} for s in steps],
    }


def export_facts(session: Session, *, include_cases: bool = False) -> dict[str, Any]:
    """Everything the rules engine needs, as of now (the engine filters by `known_at` itself).

    The facts are the log's signed records folded (registry.signed_facts), never the rows of the
    registry tables: an edited row changes no decision, and `onehall audit` names it. Cases are
    read from their rows (the decision engine does not hold them; reports do)."""
    from registry.signed_facts import signed_state

    facts = signed_state(session).facts()
    if include_cases:
        facts["cases"] = [_case(session, c) for c in session.scalars(select(Case))]
    return facts


def as_known(rows: list[dict[str, Any]], known_at: datetime | None) -> list[dict[str, Any]]:
    """Rows filed no later than `known_at` (record time)."""
    if known_at is None:
        return rows
    return [r for r in rows if r.get("filed_at") is None or r["filed_at"] <= known_at]
