"""What each signed record type holds of its registry row (docs/design.md §7, §12.3).

`RECORD_VIEWS` says, per record type, which row fields the record holds: the services log
`record_of(kind, row)` (through `log_state`) and the audit compares rows with the same view, so the
two never drift. The newest record of a key of a `STATE_TYPES` type is that row's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from registry.models import (
    Absence,
    Authorization,
    CitizensHomeOpening,
    Delegation,
    Department,
    Exemption,
    ExemptionDecision,
    FeeReview,
    FunctionSection,
    Hall,
    HallApproval,
    MaterialEntry,
    Person,
    Place,
    PolicyException,
    Revocation,
    Seal,
    SealCustody,
    SealUse,
    Section,
    StaffFiling,
)
from registry.models.platform import PlatformApplication, PlatformOutage

TIME_FIELDS = frozenset(
    {
        "valid_from",
        "valid_to",
        "filed_at",
        "at",
        "from",
        "to",
        "effective_from",
        "effective_to",
        "until",
        "date",
        "acknowledged_at",
        "applied_at",
        "start",
        "end",
    }
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda row: getattr(row, name)


def _time(name: str) -> Callable[[Any], Any]:
    return lambda row: _iso(getattr(row, name))


def _list(name: str) -> Callable[[Any], Any]:
    return lambda row: list(getattr(row, name) or [])


def _items(name: str) -> Callable[[Any], Any]:
    return lambda row: getattr(row, name) if getattr(row, name) == "*" else list(getattr(row, name) or [])


@dataclass(frozen=True)
class View:
    """What a record type holds of its row: the key field and the other fields, as JSON values."""

    model: type
    key: str  # the record field naming the row (and the row attribute of the same name)
    fields: dict[str, Callable[[Any], Any]]
    personal: tuple[str, ...] = ()  # row attributes that enter the record as commitments only

    def record(self, row: Any) -> dict[str, Any]:
        return {self.key: getattr(row, self.key), **{f: get(row) for f, get in self.fields.items()}}


def _plain(model: type, key: str, *names: str, personal: tuple[str, ...] = ()) -> View:
    return View(model, key, {n: _attr(n) for n in names}, personal)


RECORD_VIEWS: dict[str, View] = {
    "department": _plain(Department, "code", "name", "group", "kind", "entry_phase", "low_volume", "placeholder"),
    "section": _plain(Section, "id", "department", "name", "kind", "entered_whole", "head"),
    "hall": _plain(Hall, "code", "name", "kind", "host_department"),
    "place": _plain(Place, "code", "name", "kind", "hall", "department", "function_section"),
    "person": _plain(Person, "id", "department", "section", "position", personal=("name",)),
    "function_section": View(
        FunctionSection,
        "code",
        {
            "name": _attr("name"),
            "lead_department": _attr("lead_department"),
            "whole_chain": _attr("whole_chain"),
            "chain": _list("chain"),
        },
    ),
    "seal": _plain(Seal, "code", "name", "department", "kind"),
    "authorization": View(
        Authorization,
        "id",
        {
            "grantor": _attr("grantor"),
            "grantee": _attr("grantee"),
            "post": _attr("post"),
            "backs": _attr("backs"),
            "powers": _list("powers"),
            "items": _items("items"),
            "valid_from": _time("valid_from"),
            "valid_to": _time("valid_to"),
            "late_filed": _attr("late_filed"),
        },
    ),
    "revocation": View(
        Revocation,
        "id",
        {
            "authorization": _attr("authorization"),
            "at": _time("at"),
            "reason": _attr("reason"),
            "late_filed": _attr("late_filed"),
        },
    ),
    "absence": View(
        Absence,
        "id",
        {"person": _attr("person"), "from": _time("from_"), "to": _time("to"), "late_filed": _attr("late_filed")},
        personal=("reason",),
    ),
    "delegation": View(
        Delegation,
        "id",
        {"department": _attr("department"), "items": _items("items"), "from": _time("from_"), "to": _time("to")},
    ),
    "seal_custody": View(
        SealCustody, "id", {"seal": _attr("seal"), "person": _attr("person"), "from": _time("from_"), "to": _time("to")}
    ),
    "exemption_request": View(
        Exemption,
        "id",
        {
            "item": _attr("item"),
            "reason": _attr("reason"),
            "basis": _attr("basis"),
            "effective_from": _time("effective_from"),
            "effective_to": _time("effective_to"),
        },
    ),
    "exemption_decision": View(
        ExemptionDecision,
        "id",
        {"exemption": _attr("exemption"), "result": _attr("result"), "document_no": _attr("document_no")},
    ),
    "exception": View(
        PolicyException,
        "id",
        {"rule": _attr("rule"), "subject": _attr("subject"), "reason": _attr("reason"), "until": _time("until")},
    ),
    "staff_filing": View(
        StaffFiling,
        "id",
        {
            "department": _attr("department"),
            "people": lambda r: [{"person": e["person"], "role": e["role"]} for e in r.people or []],
        },
    ),
    "hall_approval": View(
        HallApproval,
        "id",
        {
            "hall": _attr("hall"),
            "valid_from": _time("valid_from"),
            "valid_to": _time("valid_to"),
            "document_no": _attr("document_no"),
        },
    ),
    "citizens_home_opening": View(
        CitizensHomeOpening, "id", {"date": _time("date"), "document_no": _attr("document_no")}
    ),
    "seal_use": View(
        SealUse,
        "id",
        {
            "seal": _attr("seal"),
            "person": _attr("person"),
            "item": _attr("item"),
            "case": _attr("case"),
            "document_sha256": _attr("document_sha256"),
            "place": _attr("place"),
            "at": _time("at"),
            "decision_id": _attr("decision_id"),
            "authorization": _attr("authorization"),
            "acting_for": _attr("acting_for"),
        },
        personal=(),
    ),
    "platform_application": View(
        PlatformApplication,
        "platform_no",
        {
            "item": _attr("item"),
            "application_key": _attr("application_key"),
            "applied_at": _time("applied_at"),
            "source": _attr("source"),
        },
    ),
    "platform_outage": View(
        PlatformOutage,
        "id",
        {"start": _time("start"), "end": _time("end"), "reason": _attr("reason"), "declared_by": _attr("declared_by")},
    ),
    "material_entry": _plain(MaterialEntry, "code", "name", "category", "source"),
    "fee_review": View(
        FeeReview,
        "id",
        {
            "item": _attr("item"),
            "fee": _attr("fee"),
            "result": _attr("result"),
            "basis_ok": _attr("basis_ok"),
            "standard_ok": _attr("standard_ok"),
            "note": _attr("note"),
        },
    ),
}
# Record types that restate a whole row: the newest one of a key is the row's state.
STATE_TYPES = ("department", "section", "hall", "place", "person", "function_section", "seal")


def record_of(kind: str, row: Any) -> dict[str, Any]:
    """The record of `row` as a record of type `kind` holds it (RECORD_VIEWS)."""
    return RECORD_VIEWS[kind].record(row)


def log_state(ctx, kind: str, row: Any) -> None:
    """The signed epilogue of an organisation fact: `row` added (a new one) and flushed, the whole
    row logged as a record of `kind` (a creation or an edit), the change feed told."""
    ctx.session.add(row)
    ctx.session.flush()
    view = RECORD_VIEWS[kind]
    personal = {f: str(getattr(row, f) or "") for f in view.personal} or None
    ctx.log(kind, view.record(row), ref=getattr(row, view.key), personal=personal)
    ctx.changed(kind, getattr(row, view.key))
