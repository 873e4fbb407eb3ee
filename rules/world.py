"""The facts of docs/facts.md held in memory, keyed for lookup, with times as epoch seconds.

`World` is plain data: the engine and the compliance checks read it; only `upsert` changes it.
Hot records (people, items, places, seals, authorizations) become small slotted objects whose
condition fields are precomputed, so a decision reads attributes instead of parsing rows.
"""

from __future__ import annotations

from collections.abc import Iterable, ValuesView
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

from .schema import ACTIONS
from .shapes import JSON, Row, Snapshot
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

# snapshot key -> change kind (the singular form used by changes)
KINDS = {
    "departments": "department",
    "sections": "section",
    "halls": "hall",
    "hall_approvals": "hall_approval",
    "citizens_home_opening": "citizens_home_opening",
    "places": "place",
    "people": "person",
    "staff_filings": "staff_filing",
    "items": "item",
    "item_reviews": "item_review",
    "function_sections": "function_section",
    "fee_reviews": "fee_review",
    "authorizations": "authorization",
    "revocations": "revocation",
    "absences": "absence",
    "exemptions": "exemption",
    "delegations": "delegation",
    "seals": "seal",
    "seal_custody": "seal_custody",
    "exceptions": "exception",
    "cases": "case",
}
SINGULAR_TO_KEY = {v: k for k, v in KINDS.items()}
# accept a few spellings a caller may use for the change kind
SINGULAR_TO_KEY.update({"people": "people", "seal_custodies": "seal_custody", "item_version": "items"})

DEPTH_LABELS = {
    "on_site": "现场办理",
    "pre_review": "原件预审",
    "verify_original": "原件核验",
    "full_online": "全程网办",
    None: "未明确",
}


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

K = TypeVar("K")
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


def _key(row: Row) -> JSON:
    return row.get("id", row.get("code", row.get("number")))


record_key = _key  # the key a row is stored under (id, else code, else number)


class World:
    """All facts, plus the lookups the engine and checks need. Mutated only through `upsert`."""

    def __init__(
        self,
        excluded_types: Iterable[str] = frozenset(),
        grants_of: dict[JSON, tuple[AuthRec, ...]] | None = None,
        absences_of: dict[JSON, tuple[Absence, ...]] | None = None,
    ):
        self.excluded_types = frozenset(excluded_types)
        # the decision index's authorizations by person (DecisionIndex.by_person), hung on each PersonRec
        self.grants_of = grants_of if grants_of is not None else {}
        self.absences_of = absences_of if absences_of is not None else {}
        self.dept_names: dict[JSON, str] = {}  # department code -> name (or the code, when it has none)
        self.tables: dict[str, dict[JSON, Row]] = {k: {} for k in KINDS}
        self.people: dict[JSON, PersonRec] = {}  # by person id (an int in the registry)
        self.items: dict[JSON, ItemRec] = {}  # by code (a str), like places and seals
        self.places: dict[JSON, PlaceRec] = {}
        self.seals: dict[JSON, SealRec] = {}
        self.auths: dict[JSON, AuthRec] = {}
        # A post authorization id -> ids of the B posts backing it (None in a restored snapshot: `_backers`)
        self.backed_by: dict[JSON, set[JSON]] | None = {}
        self.delegations_by_dept: dict[str | None, list[Row]] = {}
        self.exemptions_by_item: dict[str | None, list[Row]] = {}
        self.custody_by_seal: dict[str | None, list[Row]] = {}
        self.cases_by_key: dict[str, list[Row]] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without `backed_by` (5·10⁴ sets at 10⁵ authorizations, a worker's snapshot):
        the authorizations' `backs` give it again, rebuilt when an authorization is next filed."""
        return {**self.__dict__, "backed_by": None}

    def _backers(self) -> dict[JSON, set[JSON]]:
        if self.backed_by is None:
            backed_by: dict[JSON, set[JSON]] = {}
            for rec in self.auths.values():
                if rec.backs is not None:
                    backed_by.setdefault(rec.backs, set()).add(rec.id)
            self.backed_by = backed_by
        return self.backed_by

    # ------------------------------------------------------------ loading
    def load(self, snapshot: Snapshot) -> None:
        order = ["departments", "halls", "sections", "function_sections", "places", "people", "items"]
        for key in order + [k for k in KINDS if k not in order]:
            for row in snapshot.get(key) or ():
                self.upsert(key, row)

    def upsert(self, key: str, row: Row) -> Row | None:
        """Store `row` in table `key`; return the row it replaced (or None)."""
        table = self.tables[key]
        k = _key(row)
        old = table.get(k)
        table[k] = row
        if key == "departments":
            self.dept_names[row["code"]] = row.get("name") or str(row["code"])
            for p in self.people.values():
                if p.department == row["code"]:
                    p.dept_kind = row.get("kind")
        elif key == "people":
            dept = self.tables["departments"].get(row.get("department")) or {}
            self.people[row["id"]] = PersonRec(
                row, dept.get("kind"), self.grants_of.get(row["id"], ()), self.absences_of.get(row["id"], ())
            )
        elif key == "items":
            self.items[row["code"]] = ItemRec(row, self.excluded_types, self.tables["halls"])
        elif key == "halls":
            for it in self.items.values():
                if it.entry_hall == row["code"]:
                    it.entry_hall_kind = row.get("kind")
        elif key == "places":
            self.places[row["code"]] = PlaceRec(row)
        elif key == "seals":
            self.seals[row["code"]] = SealRec(row)
        elif key == "authorizations":
            rec = AuthRec(row)
            # a B post points at the record of the A post it backs (kept current both ways)
            rec.backs_rec = self.auths.get(rec.backs) if rec.backs is not None else None
            backed_by = self._backers()
            prev = self.auths.get(rec.id)
            if prev is not None and prev.backs is not None and prev.backs != rec.backs:
                backed_by.get(prev.backs, set()).discard(rec.id)
            if rec.backs is not None:
                backed_by.setdefault(rec.backs, set()).add(rec.id)
            self.auths[rec.id] = rec
            for b in backed_by.get(rec.id, ()):
                brec = self.auths.get(b)
                if brec is not None:
                    brec.backs_rec = rec
        elif key == "delegations":
            _replace(self.delegations_by_dept, row.get("department"), old, _interval(row, "from", "to"))
        elif key == "exemptions":
            _replace(self.exemptions_by_item, row.get("item"), old, row)
        elif key == "seal_custody":
            _replace(self.custody_by_seal, row.get("seal"), old, _interval(row, "from", "to"))
        elif key == "cases":
            if row.get("application_key"):
                _replace(self.cases_by_key, row["application_key"], old, row)
        return old

    # ------------------------------------------------------------ time-dependent lookups
    def delegated(self, item: ItemRec, t: float, k: float) -> bool:
        for d in self.delegations_by_dept.get(item.department, ()):
            if d["_filed"] <= k and d["_from"] <= t < d["_to"]:
                items = d.get("items", "*")
                if items == "*" or items is None or item.code in items:
                    return True
        return False

    def exempted(self, item_code: str, t: float, k: float) -> bool:
        for e in self.exemptions_by_item.get(item_code, ()):
            dec = e.get("decision") or {}
            if (
                dec.get("result") == "approved"
                and ts(dec.get("filed_at"), NEG_INF) <= k
                and ts(e.get("filed_at"), NEG_INF) <= k
                and ts(e.get("effective_from"), NEG_INF) <= t < ts(e.get("effective_to"), INF)
            ):
                return True
        return False

    def custodian(self, seal: str, t: float, k: float) -> int | None:
        """Who keeps the seal at `t` as known at `k`: of the custody filings covering `t`, the
        latest filed wins, so naming a successor hands the seal over without editing the old one."""
        best = self.custody_at(seal, t, k)
        return None if best is None else best.get("person")

    def custody_at(self, seal: str, t: float, k: float) -> Row | None:
        """The custody filing in force for the seal at `t` as known at `k` (see `custodian`)."""
        best = None
        for c in self.custody_by_seal.get(seal, ()):
            if c["_filed"] <= k and c["_from"] <= t < c["_to"]:
                if best is None or c["_filed"] >= best["_filed"]:
                    best = c
        return best

    def department_name(self, code: JSON) -> str:
        return self.dept_names.get(code) or str(code)

    def rows(self, key: str) -> ValuesView[Row]:
        return self.tables[key].values()


def _interval(row: Row, start: str, end: str) -> Row:
    r = dict(row)
    r["_from"] = ts(row.get(start), NEG_INF)
    r["_to"] = ts(row.get(end), INF)
    r["_filed"] = ts(row.get("filed_at"), NEG_INF)
    return r


def _replace(index: dict[K, list[Row]], key: K, old: Row | None, new: Row) -> None:
    rows = [r for r in index.get(key, ()) if old is None or _key(r) != _key(old)]
    rows.append(new)
    index[key] = rows
