"""How each field of rules.schema.FIELDS is read from a question's context.

Binding happens once per pack (`bind`), so evaluating a condition is one closure call. A field
of a namespace the request left out (place, seal, case) reads as MISSING: the condition is then
neither passed nor failed but reported in the answer's `unchecked`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .conditions import Getter
from .context import Ctx
from .schema import FIELDS
from .shapes import JSON, Row
from .timeutil import NEG_INF, ts

if TYPE_CHECKING:
    from .pack import Pack


def _ts(v: JSON) -> float:
    return ts(v, NEG_INF)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def _place(attr: str) -> Getter:
    def get(c: Ctx) -> object:
        p = c.place
        return MISSING if p is None else getattr(p, attr)

    return get


def _seal(attr: str) -> Getter:
    def get(c: Ctx) -> object:
        s = c.seal
        return MISSING if s is None else getattr(s, attr)

    return get


def _section_fit(c: Ctx) -> object:
    p = c.place
    if p is None:
        return MISSING
    if p.kind != "comprehensive_window" or not p.function_section:
        return "general"
    return "same" if p.function_section == c.item.function_section else "other"


def _own_department(c: Ctx) -> object:
    p = c.place
    return MISSING if p is None else p.department == c.item.department


def _seal_item_department(c: Ctx) -> object:
    s = c.seal
    return MISSING if s is None else s.department == c.item.department


def _held_by(c: Ctx) -> object:
    s = c.seal
    if s is None:
        return MISSING
    holder = c.world.custodian(s.code, c.t, c.k)
    if holder is not None and holder == c.person.id:
        return "self"
    if holder is not None and c.acting_for is not None and holder == c.acting_for:
        return "backed_a"
    return "other"


def _grant(attr: str) -> Getter:
    def get(c: Ctx) -> object:
        a = c.auth
        if a is None:
            return MISSING
        if attr == "post":
            return a.post or "none"
        return c.valid if attr == "valid" else c.covers

    return get


NOT_HELD: Row = {"held": False}  # the case a request names when onehall does not hold it


def _case_elsewhere(c: Ctx) -> object:
    case = c.case
    if case is None:
        return MISSING
    if case is NOT_HELD:
        return False
    here = c.place.code if c.place is not None else None
    key = case.get("application_key")
    others = c.world.cases_by_key.get(key, ()) if key else (case,)
    for other in others:
        accepted = other.get("accepted_at") is not None or any(
            s.get("step") == "accepted" for s in other.get("steps") or ()
        )
        if accepted and other.get("place") is not None and other.get("place") != here:
            return True
    return False


def _case_platform(c: Ctx) -> object:
    case = c.case
    if case is None or case is NOT_HELD:
        return MISSING
    return bool(case.get("platform_record", True))


def _case_held(c: Ctx) -> object:
    case = c.case
    return MISSING if case is None else case is not NOT_HELD


def _case_pending(c: Ctx) -> object:
    case = c.case
    if case is None:
        return MISSING
    return bool(case.get("pending_platform"))


def _case_proper(c: Ctx) -> object:
    """Accepted in the hall or on the platform, in the system, and the first open acceptance of
    its application (a later one is a duplicate: 两头受理 that slipped through before the door)."""
    case = c.case
    if case is None:
        return MISSING
    if case is NOT_HELD:
        return True  # judged by case.held
    place = c.world.places.get(case.get("place"))
    if place is None or place.kind == "internal_office":
        return False
    if not case.get("platform_record", True) and not case.get("pending_platform"):
        return False
    key = case.get("application_key")
    mine = (_ts(case.get("accepted_at")), case["number"])
    for other in c.world.cases_by_key.get(key, ()) if key else ():
        if (
            other is not case
            and other.get("status", "open") == "open"
            and (_ts(other.get("accepted_at")), other["number"]) < mine
        ):
            return False
    return True


GETTERS: dict[str, Getter] = {
    "item.code": lambda c: c.item.code,
    "item.department": lambda c: c.item.department,
    "item.item_type": lambda c: c.item.item_type,
    "item.on_application": lambda c: c.item.on_application,
    "item.in_application_class": lambda c: c.item.in_class,
    "item.case_type": lambda c: c.item.case_type,
    "item.report_up": lambda c: c.item.report_up,
    "item.joint": lambda c: c.item.joint,
    "item.complexity": lambda c: c.item.complexity,
    "item.has_fees": lambda c: c.item.has_fees,
    "item.online_depth": lambda c: c.item.online_depth,
    "item.function_section": lambda c: c.item.function_section,
    "item.entered": lambda c: c.item.entered,
    "item.entry_hall_kind": lambda c: c.item.entry_hall_kind,
    "item.status": lambda c: c.item.status,
    "item.effective": lambda c: c.item.status == "published" and c.item.effective_from <= c.t and c.item.filed <= c.k,
    "item.delegated": lambda c: c.world.delegated(c.item, c.t, c.k),
    "item.exempted": lambda c: c.world.exempted(c.item.code, c.t, c.k),
    "place.kind": _place("kind"),
    "place.hall": _place("hall"),
    "place.department": _place("department"),
    "place.function_section": _place("function_section"),
    "place.in_hall": _place("in_hall"),
    "place.section_fit": _section_fit,
    "place.own_department": _own_department,
    "seal.kind": _seal("kind"),
    "seal.department": _seal("department"),
    "seal.item_department": _seal_item_department,
    "seal.held_by": _held_by,
    "person.department": lambda c: c.person.department,
    "person.department_kind": lambda c: c.person.dept_kind,
    "person.same_department_as_item": lambda c: c.person.department == c.item.department,
    "person.position": lambda c: c.person.position,
    "grant.post": _grant("post"),
    "grant.valid": _grant("valid"),
    "grant.covers_item": _grant("covers"),
    "case.accepted_elsewhere": _case_elsewhere,
    "case.platform_record": _case_platform,
    "case.held": _case_held,
    "case.properly_accepted": _case_proper,
    "case.pending_platform": _case_pending,
    "item.entered_now": lambda c: c.item.entered and c.item.entered_from <= c.t,
}

assert set(GETTERS) == set(FIELDS), set(FIELDS) ^ set(GETTERS)


def bind(pack: Pack) -> None:
    """Attach the reader of its field to every condition of the pack (idempotent)."""
    for rule in pack.rules:
        for cond in rule.when.conditions:
            cond.get = GETTERS[cond.field.name]
