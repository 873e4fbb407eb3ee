"""The hot records of the facts (people, items, places, seals, authorizations): small slotted
objects whose condition fields are precomputed when a row is read, so a decision reads attributes
instead of parsing rows, and a snapshot pickles each as one flat tuple (application.snapshot).

`World` (rules.world) holds them; this module says what one record is.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .schema import ACTIONS
from .shapes import JSON, Row
from .timeutil import INF, NEG_INF, ts
from .wording import post_label

if TYPE_CHECKING:
    from .plans import SignaturePlan
    from .rule import Rule

RulesByAction = tuple[tuple["Rule", ...], ...]
"""Per action (indexed like ACTIONS), the grant rules an authorization feeds, in rule order."""
Absence = tuple[float, float, float, JSON]
"""An absence as a question reads it: (from, to, filed_at, absence id)."""

Fact = dict[str, str | int]
"""A fact as durable-rules sees it (rules.compiler): flat, JSON-safe."""

NO_RULES: RulesByAction = ((),) * len(ACTIONS)  # AuthRec.rules before anything is derived


class _Slotted:
    """Pickled as the tuple of its slots' values (a worker's snapshot, application.snapshot): a
    tuple is restored several times faster than the {slot: value} dict pickle uses by default."""

    __slots__: tuple[str, ...] = ()

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, value)


class PersonRec(_Slotted):
    # the fields a question reads come first: they share the record's first cache lines
    __slots__ = ("auth", "absences", "dept_kind", "department", "name", "auths", "id", "section", "position", "raw")

    def __init__(
        self, row: Row, dept_kind: str | None, auths: tuple[AuthRec, ...] = (), absences: tuple[Absence, ...] = ()
    ):
        # the authorizations that grant them something (DecisionIndex.by_person)
        self.auths: tuple[AuthRec, ...] = auths
        self.auth: AuthRec | None = auths[0] if len(auths) == 1 else None  # the one, when there is exactly one
        self.absences: tuple[Absence, ...] = absences  # and the person's absences (DecisionIndex.absences)
        self.id: int = row["id"]
        self.name: str = row.get("name") or str(row["id"])
        self.department: str | None = row.get("department")
        self.section: str | None = row.get("section")
        self.position: str = row.get("position") or ""
        self.dept_kind: str | None = dept_kind
        self.raw: Row = row

    # 10⁵ of them in a snapshot: their state is read and set in one step each way
    def __getstate__(self) -> tuple[Any, ...]:
        return _PERSON_STATE(self)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (
            self.auth,
            self.absences,
            self.dept_kind,
            self.department,
            self.name,
            self.auths,
            self.id,
            self.section,
            self.position,
            self.raw,
        ) = state


class ItemRec(_Slotted):
    # the fields a question reads come first: they share the record's first cache lines
    __slots__ = (
        "plan",
        "code",
        "department",
        "name",
        "status",
        "effective_from",
        "filed",
        "item_type",
        "on_application",
        "in_class",
        "case_type",
        "report_up",
        "joint",
        "partners",
        "complexity",
        "has_fees",
        "online_depth",
        "function_section",
        "entered",
        "entry_hall",
        "entry_hall_kind",
        "entered_from",
        "raw",
    )

    def __init__(self, row: Row, excluded_types: frozenset[str], halls: dict[JSON, Row]):
        self.plan: SignaturePlan | None = None  # the engine's plan for items like this one (rules.plans.SignaturePlan)
        self.code: str = row["code"]
        self.name: str = row.get("name") or self.code
        self.department: str | None = row.get("department")
        self.item_type: str | None = row.get("item_type")
        self.on_application: bool = bool(row.get("on_application"))
        self.in_class: bool = self.on_application and self.item_type not in excluded_types
        # three case types (docs/design.md §12.2); an item still flagged report_up is a report-up item
        self.report_up: bool = bool(row.get("report_up")) or row.get("case_type") == "report_up"
        self.case_type: str | None = "report_up" if self.report_up else row.get("case_type")
        self.joint: bool = bool(row.get("joint"))
        self.partners: list[str] = list(row.get("partners") or [])
        self.complexity: str | None = row.get("complexity")
        self.has_fees: bool = bool(row.get("fees"))
        self.online_depth: str | None = row.get("online_depth")
        self.function_section: str | None = row.get("function_section")
        entry = row.get("entry") or None
        self.entry_hall: str | None = entry.get("hall") if isinstance(entry, dict) else None
        self.entered: bool = self.entry_hall is not None
        hall = halls.get(self.entry_hall) if self.entry_hall else None
        self.entry_hall_kind: str | None = hall.get("kind") if hall else None
        self.status: str = row.get("status") or "published"
        self.effective_from: float = _moment(row.get("effective_from"), NEG_INF)
        self.filed: float = _moment(row.get("filed_at"), NEG_INF)
        # the entry date: the effective_from of the version that set `entry` (docs/design.md §12.1)
        self.entered_from: float = _moment(row.get("entered_from"), self.effective_from)
        self.raw: Row = row


class PlaceRec(_Slotted):
    __slots__ = ("code", "name", "kind", "hall", "department", "function_section", "in_hall", "raw")

    def __init__(self, row: Row):
        self.code: str = row["code"]
        self.name: str = row.get("name") or self.code
        self.kind: str | None = row.get("kind")
        self.hall: str | None = row.get("hall")
        self.department: str | None = row.get("department")
        self.function_section: str | None = row.get("function_section")
        self.in_hall: bool = self.kind in ("comprehensive_window", "department_window", "platform")
        self.raw: Row = row


class SealRec(_Slotted):
    __slots__ = ("code", "name", "department", "kind", "raw")

    def __init__(self, row: Row):
        self.code: str = row["code"]
        self.name: str = row.get("name") or self.code
        self.department: str | None = row.get("department")
        self.kind: str | None = row.get("kind")
        self.raw: Row = row


class AuthRec(_Slotted):
    """An authorization (授权书) as the engine reads it."""

    # the fields a question reads come first: they share the record's first cache lines
    __slots__ = (
        "id",
        "log_index",
        "filed",
        "vf",
        "vt",
        "grantor",
        "items",
        "person",
        "post",
        "rules",
        "backs",
        "backs_rec",
        "post_label",
        "gov_service",
        "powers",
        "late_filed",
        "raw",
    )

    def __init__(self, row: Row):
        self.id: JSON = row["id"]  # the authorization's id as filed (an int in the registry)
        self.rules: RulesByAction = NO_RULES  # the grant rules derived from it per action (set by the decision index)
        self.grantor: str | None = row.get("grantor")
        grantee = row.get("grantee") or {}
        self.person: int | None = grantee.get("person")
        self.gov_service: bool = bool(grantee.get("gov_service"))
        self.post: str | None = row.get("post")
        self.post_label: str = post_label(self.post)  # as explanations show it
        self.backs: JSON = row.get("backs")  # the id of the A post authorization a B post backs
        self.backs_rec: AuthRec | None = None  # the AuthRec of `backs` (set by World)
        self.powers: frozenset[str] = _shared_set(row.get("powers") or ())
        items = row.get("items", "*")
        self.items: frozenset[str] | None = None if items == "*" or items is None else _shared_set(items)
        self.vf: float = _moment(row.get("valid_from"), NEG_INF)
        self.vt: float = _moment(row.get("valid_to"), INF)
        self.filed: float = _moment(row.get("filed_at"), NEG_INF)
        self.log_index: int | None = row.get("log_index")
        self.late_filed: bool = bool(row.get("late_filed"))
        self.raw: Row = row

    # 10⁵ of them in a snapshot: their state is read and set in one step each way
    def __getstate__(self) -> tuple[Any, ...]:
        return _AUTH_STATE(self)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (
            self.id,
            self.log_index,
            self.filed,
            self.vf,
            self.vt,
            self.grantor,
            self.items,
            self.person,
            self.post,
            self.rules,
            self.backs,
            self.backs_rec,
            self.post_label,
            self.gov_service,
            self.powers,
            self.late_filed,
            self.raw,
        ) = state

    def covers(self, item: ItemRec) -> bool:
        return item.department == self.grantor and (self.items is None or item.code in self.items)

    def fact(self) -> Fact:
        """The JSON-safe fact durable-rules sees (the derivation needs only these fields)."""
        f: Fact = {
            "sid": self.grantor or "city",
            "t": "auth",
            "id": f"auth:{self.id}",
            "ref": self.id,
            "grantee": "person" if self.person is not None else ("gov_service" if self.gov_service else "other"),
            "post": self.post or "none",
        }
        for p in sorted(self.powers):
            f["p_" + p] = 1
        return f


_PERSON_STATE = attrgetter(*PersonRec.__slots__)
_AUTH_STATE = attrgetter(*AuthRec.__slots__)

_MOMENTS: dict[float, float] = {}
_SETS: dict[frozenset[str], frozenset[str]] = {}


def _shared_set(values: Iterable[str]) -> frozenset[str]:
    """`frozenset(values)`, one object per distinct set: 10⁵ authorizations list a few thousand
    distinct powers and item scopes (a worker's memory, and its snapshot's size and load time)."""
    s = frozenset(values)
    if len(_SETS) >= 100_000:
        _SETS.clear()
    return _SETS.setdefault(s, s)


def _moment(value: JSON, default: float) -> float:
    """`ts(value)`, one float object per distinct moment: records filed at the same moment share it,
    which keeps what a question reads in fewer cache lines."""
    t = ts(value, default)
    if len(_MOMENTS) >= 100_000:
        _MOMENTS.clear()
    return _MOMENTS.setdefault(t, t)
