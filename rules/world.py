"""The facts of docs/facts.md held in memory, keyed for lookup, with times as epoch seconds.

`World` is plain data: the engine and the compliance checks read it; only `upsert` changes it.
Hot records (people, items, places, seals, authorizations) become the small slotted objects of
rules.records, whose condition fields are precomputed, so a decision reads attributes instead of
parsing rows.
"""

from __future__ import annotations

from collections.abc import Iterable, ValuesView
from typing import Any, TypeVar

from .shapes import JSON, Row, Snapshot
from .timeutil import INF, NEG_INF, ts
from .records import Absence, AuthRec, ItemRec, PersonRec, PlaceRec, SealRec

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


K = TypeVar("K")


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
