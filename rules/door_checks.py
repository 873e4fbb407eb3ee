"""Compliance checks of round 2 (docs/design.md §12.1–12.2): sub-halls and sections entering as a whole.

- Sub-halls (XT-3.3.1, XT-4.1): before 市民之家 opens, an item may be entered into the city hall,
  one of the six sub-halls the plan itself keeps (the pack's `retained_sub_halls`, matched on the
  hall's name), or another sub-hall the government approved; after it opens, only into a sub-hall
  the government approved (`hall_approvals`). The opening date is the government's filing
  (`citizens_home_opening`); unknown until filed.
- Sections (XT-3.3.2): after the opening, every business section of a department with
  on-application items enters the hall as a whole (must); the approval service section does so in
  principle from the start. A department that delegated its items (事进人不进) is exempt for them:
  a department all of whose such items are delegated has no section that must enter.

Registered into rules.compliance's CHECKS (imported at its end).
"""

from __future__ import annotations

import re
from typing import Iterator

from .compliance_env import Env, Found, _items, check
from .rule import Rule
from .shapes import JSON, Row
from .timeutil import INF, NEG_INF, local_date, ts
from .records import ItemRec

BUSINESS_KINDS = ("approval_service", "main_business", "business")  # 业务科室 (and the approval section)
_HALL_SUFFIX = re.compile(r"(专业)?分厅$")


def opening(env: Env) -> float | None:
    """When 市民之家 opens (the earliest filed date), or None while unknown."""
    dates = [ts(o["date"]) for o in env.world.rows("citizens_home_opening") if o.get("date")]
    return min(dates) if dates else None


def government_approved(env: Env) -> set[JSON]:
    """Sub-halls the government approved to keep, in force at the moment asked."""
    return {
        h.get("hall")
        for h in env.world.rows("hall_approvals")
        if ts(h.get("valid_from"), NEG_INF) <= env.t < ts(h.get("valid_to"), INF)
    }


def retained_by_plan(env: Env, hall: Row) -> bool:
    """One of the six sub-halls 四(一) keeps until 市民之家 opens (the pack's list, by name)."""
    names = {_HALL_SUFFIX.sub("", n) for n in env.params.get("retained_sub_halls") or ()}
    return _HALL_SUFFIX.sub("", str(hall.get("name") or "")) in names or hall.get("code") in names


def _sub_hall_items(env: Env) -> Iterator[tuple[ItemRec, Row]]:
    halls = env.world.tables["halls"]
    for it in _items(env):
        if it.entry_hall and it.entry_hall_kind == "sub":
            yield it, halls.get(it.entry_hall) or {"code": it.entry_hall, "name": it.entry_hall}


@check("sub_hall_not_retained")
def _sub_hall_not_retained(env: Env, rule: Rule) -> Iterator[Found]:
    """Before the opening: a sub-hall that is neither one of the plan's six nor approved."""
    opens = opening(env)
    if opens is not None and env.t >= opens:
        return  # after the opening: sub_hall_not_approved
    approved = government_approved(env)
    for it, hall in _sub_hall_items(env):
        if it.entry_hall in approved or retained_by_plan(env, hall):
            continue
        yield (
            f"item:{it.code}",
            it.department,
            {"item_name": it.name, "item_code": it.code, "hall_name": hall.get("name") or it.entry_hall},
        )


@check("sub_hall_not_approved")
def _sub_hall_not_approved(env: Env, rule: Rule) -> Iterator[Found]:
    """After the opening: only sub-halls the government approved (the plan's six included)."""
    opens = opening(env)
    if opens is None or env.t < opens:
        return
    approved = government_approved(env)
    for it, hall in _sub_hall_items(env):
        if it.entry_hall not in approved:
            yield (
                f"item:{it.code}",
                it.department,
                {
                    "item_name": it.name,
                    "item_code": it.code,
                    "opening": local_date(opens),
                    "hall_name": hall.get("name") or it.entry_hall,
                },
            )


def _departments_bound(env: Env) -> set[str | None]:
    """Departments with an on-application item not delegated (事进人不进 exempts the others)."""
    return {it.department for it in _items(env) if it.in_class and not env.world.delegated(it, env.t, env.k)}


@check("section_not_entered_whole")
def _approval_section_not_whole(env: Env, rule: Rule) -> Iterator[Found]:
    """In principle, the approval service section enters as a whole (a delegating department is exempt)."""
    bound = _departments_bound(env)
    for s in env.world.rows("sections"):
        if s.get("kind") == "approval_service" and not s.get("entered_whole") and s.get("department") in bound:
            yield f"section:{s['id']}", s.get("department"), {"section_name": s.get("name") or s["id"]}


@check("business_section_not_entered_whole")
def _business_section_not_whole(env: Env, rule: Rule) -> Iterator[Found]:
    """After the opening, every business section of a department with on-application items
    enters as a whole (must); delegated items are exempt."""
    opens = opening(env)
    if opens is None or env.t < opens:
        return
    bound = _departments_bound(env)
    for s in env.world.rows("sections"):
        if s.get("kind") in BUSINESS_KINDS and not s.get("entered_whole") and s.get("department") in bound:
            yield (
                f"section:{s['id']}",
                s.get("department"),
                {"section_name": s.get("name") or s["id"], "opening": local_date(opens)},
            )


@check("agency_not_entitled")
def _agency_not_entitled(env: Env, rule: Rule) -> Iterator[Found]:
    """An agency step (帮办代办) recorded neither at a comprehensive window nor by the case
    department's approval service section (rules.agency): what slipped through before the door."""
    from .agency import act_in, entitled

    for case in env.world.rows("cases"):
        it = env.world.items.get(case.get("item"))
        dept = it.department if it else case.get("department")
        for s in case.get("steps") or ():
            if s.get("step") != "agency" or ts(s.get("at"), NEG_INF) > env.t:
                continue
            act = act_in(env.world.tables, s.get("person"), dept, s.get("place") or None)
            if not entitled(act):
                yield (
                    f"case:{case['number']}/agency",
                    dept,
                    {
                        "case": case["number"],
                        "item_name": it.name if it else case.get("item"),
                        "person_name": act.person_name,
                        "place_name": act.place_name,
                        "department_name": act.department_name,
                    },
                )
                break
