"""The registry's facts as the log signed them (docs/design.md §7, §12.3).

Design (issue 13.1 with issue 14.9, designed together):

- Every fact kind the engine reads is a signed record in the log: departments, sections (head,
  kind), halls, places, people, function sections, seals, items and every filing. A row that
  changes logs a new record of the whole row; the newest record of a key is its state.
  `RECORD_VIEWS` (registry.record_views) says, per record type, which row fields the record holds.
- `SignedState` folds records, in log order, into the facts of docs/facts.md. The engine is fed
  only from it (registry.facts.export_facts, application policy host): the rows of the registry
  tables are never read for a decision, so `UPDATE authorizations SET ...` changes no answer.
  Personal data is in the log only as a commitment (docs/design.md §7): a person's name and an absence's
  reason are taken from their rows for display alone; no rule reads them, and the audit checks them
  against the commitments.
- Leaves are read through registry.signed_leaves, which proves their bytes against the signed
  checkpoints; signatures are checked by the audit (registry.audit). A worker start reads only the
  log tail past an authenticated snapshot (application.snapshot).
"""

from __future__ import annotations

from sys import intern
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Absence, Case, ItemVersion, Person
from registry.models.catalog import ITEM_FIELDS, ITEM_LISTS
from registry.record_views import RECORD_VIEWS, TIME_FIELDS
from registry.signed_cases import HANDLERS as CASE_HANDLERS, CaseFacts
from registry.signed_leaves import ProvenLeaves
from registry.signed_time import dt as _dt


def _shared(value: Any) -> Any:
    """`value` with its short strings interned: 10⁵ grants repeat the same codes, powers and posts,
    and each leaf parsed alone would hold its own copies (a worker's memory and its snapshot's size)."""
    if isinstance(value, str):
        return intern(value) if len(value) <= 64 else value
    if isinstance(value, list):
        return [_shared(v) for v in value]
    if isinstance(value, dict):
        return {intern(k): _shared(v) for k, v in value.items()}
    return value


def _fact(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: (_dt(record.get(n)) if n in TIME_FIELDS else _shared(record.get(n))) for n in names}


# An item filing's fields but its code and its lists, in the order of the fact (registry.facts.item_fact).
_ITEM_SCALARS = tuple(f for f in ITEM_FIELDS if f != "code" and f not in ITEM_LISTS)

FACT_KEYS = (
    "departments",
    "sections",
    "halls",
    "hall_approvals",
    "citizens_home_opening",
    "places",
    "people",
    "staff_filings",
    "items",
    "item_reviews",
    "function_sections",
    "fee_reviews",
    "authorizations",
    "revocations",
    "absences",
    "exemptions",
    "delegations",
    "seals",
    "seal_custody",
    "exceptions",
    "cases",
)


class SignedState(CaseFacts):
    """The facts the log's records state, folded in log order (see the module docstring).

    `apply` takes one record and returns the facts changes (docs/facts.md) it makes; `facts()`
    is the whole snapshot. `display` gives the display-only values that the log holds as
    commitments: display(kind, key) -> {"name": ...} for people, {"reason": ...} for absences.
    """

    def __init__(self, display: Callable[[str, Any], dict[str, Any]] | None = None, keep_records: bool = True):
        self.tables: dict[str, dict[Any, dict[str, Any]]] = {k: {} for k in FACT_KEYS}
        self.versions: dict[str, dict[int, dict[str, Any]]] = {}  # item code -> version -> fact
        self.latest: dict[tuple[str, Any], int] = {}  # (record type, key) -> log index of its newest record
        self.records: dict[tuple[str, Any], dict[str, Any]] = {}  # (record type, key) -> its newest record
        self._current: dict[str, Any] = {}
        self.keep_records = keep_records  # `latest` and `records`: the audit compares rows with them
        self.size = 0
        self.display = display
        self.leaves: ProvenLeaves | None = None  # the proof of the leaves folded (a worker's; registry.signed_leaves)
        self._init_cases()

    def facts(self) -> dict[str, Any]:
        return {k: list(v.values()) for k, v in self.tables.items()}

    def apply_all(self, records: Iterable[tuple[int, bytes, dict[str, Any]]]) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        for index, _, record in records:
            changes.extend(self.apply(index, record))
        return changes

    def apply(self, index: int, record: dict[str, Any]) -> list[dict[str, Any]]:
        self.size = max(self.size, index + 1)
        kind = record.get("type")
        handler = _HANDLERS.get(kind)
        if handler is None:
            return []
        self._current = record
        return handler(self, index, record)

    def _display(self, kind: str, key: Any) -> dict[str, Any]:
        return self.display(kind, key) if self.display is not None else {}

    def _mark(self, rtype: str, rkey: Any, index: int) -> None:
        if self.keep_records:  # the audit's; a worker needs neither
            self.latest[(rtype, rkey)] = index
            self.records[(rtype, rkey)] = self._current

    def _put(self, key: str, singular: str, row: dict[str, Any], rkey: Any, rtype: str, index: int):
        self.tables[key][rkey] = row
        self._mark(rtype, rkey, index)
        return [{"kind": singular, "op": "upsert", "record": row}]

    # -- one handler per record type -----------------------------------------------------------

    def _department(self, index, r):
        row = _fact(r, "code", "name", "group", "kind", "entry_phase", "low_volume", "placeholder")
        return self._put("departments", "department", row, r["code"], "department", index)

    def _section(self, index, r):
        row = _fact(r, "id", "department", "name", "kind", "entered_whole", "head")
        return self._put("sections", "section", row, r["id"], "section", index)

    def _hall(self, index, r):
        return self._put("halls", "hall", _fact(r, "code", "name", "kind", "host_department"), r["code"], "hall", index)

    def _place(self, index, r):
        row = _fact(r, "code", "name", "kind", "hall", "department", "function_section")
        return self._put("places", "place", row, r["code"], "place", index)

    def _person(self, index, r):
        row = _fact(r, "id", "department", "section", "position")
        row["name"] = self._display("person", r["id"]).get("name") or str(r["id"])
        return self._put("people", "person", row, r["id"], "person", index)

    def _function_section(self, index, r):
        row = _fact(r, "code", "name", "lead_department", "whole_chain")
        row["chain"] = _shared(list(r.get("chain") or []))
        return self._put("function_sections", "function_section", row, r["code"], "function_section", index)

    def _seal(self, index, r):
        old = self.tables["seals"].get(r["code"]) or {}
        row = {
            "code": r["code"],
            "name": r.get("name") or old.get("name") or r["code"],
            "department": r.get("department"),
            "kind": r.get("kind"),
        }
        return self._put("seals", "seal", row, r["code"], "seal", index)

    def _authorization(self, index, r):
        row = _fact(
            r,
            "id",
            "grantor",
            "grantee",
            "post",
            "backs",
            "powers",
            "items",
            "valid_from",
            "valid_to",
            "filed_at",
            "late_filed",
        )
        row["log_index"] = index
        return self._put("authorizations", "authorization", row, r["id"], "authorization", index)

    def _revocation(self, index, r):
        row = _fact(r, "id", "authorization", "at", "reason", "filed_at")
        return self._put("revocations", "revocation", row, r["id"], "revocation", index)

    def _absence(self, index, r):
        row = _fact(r, "id", "person", "from", "to", "filed_at")
        row["reason"] = self._display("absence", r["id"]).get("reason")
        return self._put("absences", "absence", row, r["id"], "absence", index)

    def _delegation(self, index, r):
        row = _fact(r, "id", "department", "items", "from", "to", "filed_at")
        return self._put("delegations", "delegation", row, r["id"], "delegation", index)

    def _custody(self, index, r):
        row = _fact(r, "id", "seal", "person", "from", "to", "filed_at")
        row["log_index"] = index
        return self._put("seal_custody", "seal_custody", row, r["id"], "seal_custody", index)

    def _exception(self, index, r):
        row = _fact(r, "id", "rule", "subject", "reason", "until", "filed_at")
        return self._put("exceptions", "exception", row, r["id"], "exception", index)

    def _exemption_request(self, index, r):
        row = _fact(r, "id", "item", "reason", "basis", "effective_from", "effective_to", "filed_at")
        item = self._item_any(r.get("item"))
        row["department"] = r.get("department") or (item or {}).get("department")
        row["decision"] = None
        return self._put("exemptions", "exemption", row, r["id"], "exemption_request", index)

    def _exemption_decision(self, index, r):
        self._mark("exemption_decision", r["id"], index)
        old = self.tables["exemptions"].get(r.get("exemption"))
        if old is None:
            return []
        row = {
            **old,
            "decision": {
                "result": r.get("result"),
                "document_no": r.get("document_no"),
                "filed_at": _dt(r.get("filed_at")),
            },
        }
        self.tables["exemptions"][row["id"]] = row
        return [{"kind": "exemption", "op": "upsert", "record": row}]

    def _staff_filing(self, index, r):
        row = _fact(r, "id", "department", "filed_at")
        row["people"] = _shared([dict(e) for e in r.get("people") or []])
        row["acknowledged_at"] = row["filed_at"] if r.get("filed_by") == "gov_service" else None
        return self._put("staff_filings", "staff_filing", row, r["id"], "staff_filing", index)

    def _staff_acknowledgement(self, index, r):
        old = self.tables["staff_filings"].get(r.get("staff_filing"))
        if old is None:
            return []
        row = {**old, "acknowledged_at": _dt(r.get("filed_at"))}
        self.tables["staff_filings"][row["id"]] = row
        return [{"kind": "staff_filing", "op": "upsert", "record": row}]

    def _hall_approval(self, index, r):
        row = _fact(r, "id", "hall", "valid_from", "valid_to", "document_no", "filed_at")
        return self._put("hall_approvals", "hall_approval", row, r["id"], "hall_approval", index)

    def _opening(self, index, r):
        row = _fact(r, "id", "date", "filed_at")
        return self._put("citizens_home_opening", "citizens_home_opening", row, r["id"], "citizens_home_opening", index)

    def _fee_review(self, index, r):
        row = _fact(r, "id", "item", "fee", "result", "basis_ok", "standard_ok", "note", "filed_at")
        return self._put("fee_reviews", "fee_review", row, r["id"], "fee_review", index)

    def _item_filing(self, index, r):
        code = r["item"]
        row = _fact(r, "version", *_ITEM_SCALARS, "status", "filed_at")
        row["code"] = code
        row["case_type"] = case_type_of(row)
        for name in ITEM_LISTS:
            row[name] = _shared(list(r.get(name) or []))
        self.versions.setdefault(code, {})[row["version"]] = row
        self._mark("item_filing", (code, row["version"]), index)
        return self._publish_if_newest(code, row)

    def _item_review(self, index, r):
        code, version = r["item"], r.get("version")
        self._mark("item_review", (code, version), index)
        review = {
            "id": r.get("id", f"log:{index}"),
            "item": code,
            "version": version,
            "result": r.get("result"),
            "reasons": list(r.get("reasons") or []),
            "reviewer": r.get("reviewer") or r.get("filed_by"),
            "filed_at": _dt(r.get("filed_at")),
        }
        self.tables["item_reviews"][review["id"]] = review
        changes = [{"kind": "item_review", "op": "upsert", "record": review}]
        filed = self.versions.get(code, {}).get(version)
        if filed is None:
            return changes
        row = {**filed, "status": "published" if r.get("result") == "approved" else "returned"}
        self.versions[code][version] = row
        return changes + self._publish_if_newest(code, row)

    def _publish_if_newest(self, code: str, row: dict[str, Any]):
        if row["status"] != "published":
            return []
        current = self.tables["items"].get(code)
        if current is not None and current["version"] > row["version"]:
            return []
        row = {**row, "entered_from": self._entered_from(code, row)}
        self.tables["items"][code] = row
        return [{"kind": "item", "op": "upsert", "record": row}]

    def _seal_use(self, index, r):
        self._mark("seal_use", r["id"], index)
        return []

    def _material_entry(self, index, r):
        self._mark("material_entry", r["code"], index)  # the audit's: no decision reads the dictionary
        return []

    def _entered_from(self, code: Any, row: dict[str, Any]) -> Any:
        """The effective_from of the published version that set the item's entry: the first of the
        newest run of published versions naming a hall (docs/design.md §12.1: the ban runs from it)."""
        if not (row.get("entry") or {}).get("hall"):
            return None
        start = row.get("effective_from")
        for v in sorted(self.versions.get(code, {}), reverse=True):
            earlier = self.versions[code][v]
            if v >= row["version"] or earlier.get("status") != "published":
                continue
            if not (earlier.get("entry") or {}).get("hall"):
                break
            start = earlier.get("effective_from")
        return start

    def _item_any(self, code: Any) -> dict[str, Any] | None:
        versions = self.versions.get(code) or {}
        return versions[max(versions)] if versions else None


_HANDLERS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "department": SignedState._department,
    "section": SignedState._section,
    "hall": SignedState._hall,
    "place": SignedState._place,
    "person": SignedState._person,
    "function_section": SignedState._function_section,
    "seal": SignedState._seal,
    "seal_registration": SignedState._seal,
    "authorization": SignedState._authorization,
    "revocation": SignedState._revocation,
    "absence": SignedState._absence,
    "delegation": SignedState._delegation,
    "seal_custody": SignedState._custody,
    "exception": SignedState._exception,
    "exemption_request": SignedState._exemption_request,
    "exemption_decision": SignedState._exemption_decision,
    "staff_filing": SignedState._staff_filing,
    "staff_acknowledgement": SignedState._staff_acknowledgement,
    "hall_approval": SignedState._hall_approval,
    "citizens_home_opening": SignedState._opening,
    "fee_review": SignedState._fee_review,
    "item_filing": SignedState._item_filing,
    "item_review": SignedState._item_review,
    "seal_use": SignedState._seal_use,
    "material_entry": SignedState._material_entry,
    **CASE_HANDLERS,
}


def case_type_of(record: dict[str, Any]) -> Any:
    """An item filed with the report_up flag is a report-up item (上报件), whatever case type the
    first build recorded beside the flag (docs/design.md §12.2; migration d3f5a1c7e902)."""
    return "report_up" if record.get("report_up") else record.get("case_type")


def display_from_rows(session: Session, *, bulk: bool = True) -> Callable[[str, Any], dict[str, Any]]:
    """Display-only values (names, absence reasons) read from their rows: all at once on first use
    for a whole fold (`bulk`), one row at a time for a few records (a worker's refresh)."""
    cache: dict[str, dict[Any, str]] = {}
    tables = {"person": (Person.id, Person.name, "name"), "absence": (Absence.id, Absence.reason, "reason")}

    def display(kind: str, key: Any) -> dict[str, Any]:
        spec = tables.get(kind)
        if spec is None:
            return {}
        id_col, col, name = spec
        if not bulk:
            return {name: session.scalar(select(col).where(id_col == key))}
        if kind not in cache:
            cache[kind] = dict(session.execute(select(id_col, col)).all())
        return {name: cache[kind].get(key)}

    return display


def signed_state(session: Session) -> SignedState:
    """The whole log folded, its leaves proven against the newest checkpoint (registry.signed_leaves);
    workers start from a snapshot instead (application.snapshot)."""
    state = SignedState(display_from_rows(session))
    state.apply_all(ProvenLeaves().records(session))
    return state


# The record types without a view (registry.record_views), read from their rows as far as the folding needs.
_ROW_RECORDS: list[tuple[str, type, Callable[[Any], dict[str, Any]]]] = [
    (
        "item_filing",
        ItemVersion,
        lambda item: {
            "item": item.code,
            "version": item.version,
            "name": item.name,
            "department": item.department,
            "status": item.status,
        },
    ),
    (
        "case",
        Case,
        lambda case: {
            "number": case.number,
            "item": case.item,
            "department": case.department,
            "place": case.place,
            "application_key": case.application_key,
            "platform_no": case.platform_no,
            "accepted_at": case.accepted_at,
        },
    ),
]


def unsigned_state(session: Session, kinds: tuple[str, ...] | None = None) -> SignedState:
    """The facts a registry that signs nothing (a NullLedger's: reference-data tools, tests) states:
    its rows, read as the records its services would have logged (RECORD_VIEWS), of `kinds`."""
    state = SignedState(keep_records=False)
    readers = [(rtype, view.model, view.record) for rtype, view in RECORD_VIEWS.items()] + _ROW_RECORDS
    for rtype, model, record in readers:
        if kinds is None or rtype in kinds:
            for row in session.scalars(select(model)):
                state.apply(-1, {"type": rtype, **record(row)})
    return state
