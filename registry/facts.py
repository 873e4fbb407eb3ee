"""Export the registry as plain facts for the rules engine (docs/facts.md).

This is the one way data leaves the registry for rules/: dicts of plain values, so the
engine never sees a session or a model. `export_facts` reads everything;
`export_change` reads the one record a change-feed row names.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import (
    Absence, Authorization, Case, CaseStep, CitizensHomeOpening, Delegation, Department, Exemption,
    ExemptionDecision, FeeReview, FunctionSection, Hall, HallApproval, ItemReview, ItemVersion, Person,
    Place, PolicyException, Revocation, Seal, SealCustody, Section, StaffFiling,
)
from registry.services._common import latest_item
from registry.services.catalog import published_items


def _department(d: Department) -> dict[str, Any]:
    return {"code": d.code, "name": d.name, "group": d.group, "kind": d.kind, "entry_phase": d.entry_phase,
            "low_volume": d.low_volume, "placeholder": d.placeholder}


def _section(s: Section) -> dict[str, Any]:
    return {"id": s.id, "department": s.department, "name": s.name, "kind": s.kind,
            "entered_whole": s.entered_whole, "head": s.head}


def _hall(h: Hall) -> dict[str, Any]:
    return {"code": h.code, "name": h.name, "kind": h.kind, "host_department": h.host_department}


def _hall_approval(a: HallApproval) -> dict[str, Any]:
    return {"id": a.id, "hall": a.hall, "valid_from": a.valid_from, "valid_to": a.valid_to,
            "document_no": a.document_no, "filed_at": a.filed_at}


def _opening(o: CitizensHomeOpening) -> dict[str, Any]:
    return {"id": o.id, "date": o.date, "filed_at": o.filed_at}


def _place(p: Place) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "kind": p.kind, "hall": p.hall, "department": p.department,
            "function_section": p.function_section}


def _person(p: Person) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "department": p.department, "section": p.section, "position": p.position}


def _staff(f: StaffFiling) -> dict[str, Any]:
    return {"id": f.id, "department": f.department, "people": list(f.people), "filed_at": f.filed_at,
            "acknowledged_at": f.acknowledged_at}


def item_fact(i: ItemVersion) -> dict[str, Any]:
    return {"code": i.code, "version": i.version, "directory_item": i.directory_item, "name": i.name,
            "department": i.department, "item_type": i.item_type, "on_application": i.on_application,
            "case_type": i.case_type, "report_up": i.report_up, "joint": i.joint, "partners": list(i.partners or []),
            "complexity": i.complexity, "statutory_limit": i.statutory_limit, "promised_limit": i.promised_limit,
            "promised_limit_2017": i.promised_limit_2017, "fees": list(i.fees or []),
            "materials": list(i.materials or []), "online_depth": i.online_depth,
            "function_section": i.function_section, "entry": i.entry, "effective_from": i.effective_from,
            "status": i.status, "filed_at": i.filed_at}


def entry_dates(session: Session, code: str | None = None) -> dict[str, Any]:
    """code -> the effective_from of the published version that set the item's entry: the first
    of the newest run of published versions that all name a hall (DESIGN §12.1)."""
    stmt = (select(ItemVersion.code, ItemVersion.entry, ItemVersion.effective_from)
            .where(ItemVersion.status == "published").order_by(ItemVersion.code, ItemVersion.version))
    if code is not None:
        stmt = stmt.where(ItemVersion.code == code)
    out: dict[str, Any] = {}
    for c, entry, effective_from in session.execute(stmt):
        if not (entry or {}).get("hall"):
            out.pop(c, None)
        elif c not in out:
            out[c] = effective_from
    return out


def _with_entry_date(fact: dict[str, Any], dates: dict[str, Any]) -> dict[str, Any]:
    fact["entered_from"] = dates.get(fact["code"])
    return fact


def _function_section(f: FunctionSection) -> dict[str, Any]:
    return {"code": f.code, "name": f.name, "lead_department": f.lead_department, "whole_chain": f.whole_chain,
            "chain": list(f.chain or [])}


def _fee_review(r: FeeReview) -> dict[str, Any]:
    return {"id": r.id, "item": r.item, "fee": r.fee, "result": r.result, "basis_ok": r.basis_ok,
            "standard_ok": r.standard_ok, "note": r.note, "filed_at": r.filed_at}


def _authorization(a: Authorization) -> dict[str, Any]:
    return {"id": a.id, "grantor": a.grantor, "grantee": a.grantee, "post": a.post, "backs": a.backs,
            "powers": list(a.powers), "items": a.items if a.items == "*" else list(a.items),
            "valid_from": a.valid_from, "valid_to": a.valid_to, "filed_at": a.filed_at,
            "log_index": a.log_index, "late_filed": a.late_filed}


def _revocation(r: Revocation) -> dict[str, Any]:
    return {"id": r.id, "authorization": r.authorization, "at": r.at, "reason": r.reason, "filed_at": r.filed_at}


def _absence(a: Absence) -> dict[str, Any]:
    return {"id": a.id, "person": a.person, "from": a.from_, "to": a.to, "reason": a.reason,
            "filed_at": a.filed_at}


def _exemption(session: Session, e: Exemption) -> dict[str, Any]:
    d = session.scalar(select(ExemptionDecision).where(ExemptionDecision.exemption == e.id))
    return {"id": e.id, "item": e.item, "department": e.department, "reason": e.reason, "basis": e.basis,
            "effective_from": e.effective_from, "effective_to": e.effective_to, "filed_at": e.filed_at,
            "decision": None if d is None else {"result": d.result, "document_no": d.document_no,
                                                 "filed_at": d.filed_at}}


def _delegation(d: Delegation) -> dict[str, Any]:
    return {"id": d.id, "department": d.department, "items": d.items, "from": d.from_, "to": d.to,
            "filed_at": d.filed_at}


def _seal(s: Seal) -> dict[str, Any]:
    return {"code": s.code, "name": s.name, "department": s.department, "kind": s.kind}


def _custody(c: SealCustody) -> dict[str, Any]:
    return {"id": c.id, "seal": c.seal, "person": c.person, "from": c.from_, "to": c.to, "filed_at": c.filed_at}


def _exception(x: PolicyException) -> dict[str, Any]:
    return {"id": x.id, "rule": x.rule, "subject": x.subject, "reason": x.reason, "until": x.until,
            "filed_at": x.filed_at}


def _item_review(session: Session, r: ItemReview) -> dict[str, Any]:
    v = session.get(ItemVersion, r.item_version)
    return {"id": r.id, "item": v.code if v else None, "version": v.version if v else None, "result": r.result,
            "reasons": list(r.reasons or []), "reviewer": r.reviewer, "filed_at": r.filed_at}


def _case_fact(c: Case) -> dict[str, Any]:
    """What a decision naming the case reads (DESIGN §12.1); one row, no steps."""
    return {"number": c.number, "item": c.item, "place": c.place, "accepted_at": c.accepted_at,
            "application_key": c.application_key, "platform_record": c.platform_record,
            "platform_no": c.platform_no, "status": c.status, "pending_platform": c.pending_platform}


def _case(session: Session, c: Case) -> dict[str, Any]:
    steps = session.scalars(select(CaseStep).where(CaseStep.case == c.number).order_by(CaseStep.at))
    return {**_case_fact(c), "steps": [{"step": s.step, "at": s.at, "place": s.place} for s in steps]}


def export_facts(session: Session, *, include_cases: bool = False) -> dict[str, Any]:
    """Everything the rules engine needs, as of now (the engine filters by `known_at` itself)."""
    all_of: Callable[[type], list] = lambda model: list(session.scalars(select(model)))  # noqa: E731
    dates = entry_dates(session)
    facts: dict[str, Any] = {
        "departments": [_department(d) for d in all_of(Department)],
        "sections": [_section(s) for s in all_of(Section)],
        "halls": [_hall(h) for h in all_of(Hall)],
        "hall_approvals": [_hall_approval(a) for a in all_of(HallApproval)],
        "citizens_home_opening": [_opening(o) for o in all_of(CitizensHomeOpening)],
        "places": [_place(p) for p in all_of(Place)],
        "people": [_person(p) for p in all_of(Person)],
        "staff_filings": [_staff(f) for f in all_of(StaffFiling)],
        "items": [_with_entry_date(item_fact(i), dates) for i in published_items(session)],
        "item_reviews": [_item_review(session, r) for r in all_of(ItemReview)],
        "function_sections": [_function_section(f) for f in all_of(FunctionSection)],
        "fee_reviews": [_fee_review(r) for r in all_of(FeeReview)],
        "authorizations": [_authorization(a) for a in all_of(Authorization)],
        "revocations": [_revocation(r) for r in all_of(Revocation)],
        "absences": [_absence(a) for a in all_of(Absence)],
        "exemptions": [_exemption(session, e) for e in all_of(Exemption)],
        "delegations": [_delegation(d) for d in all_of(Delegation)],
        "seals": [_seal(s) for s in all_of(Seal)],
        "seal_custody": [_custody(c) for c in all_of(SealCustody)],
        "exceptions": [_exception(x) for x in all_of(PolicyException)],
        "cases": [_case(session, c) for c in all_of(Case)] if include_cases else [_case_fact(c) for c in all_of(Case)],
    }
    return facts


_BY_KIND: dict[str, tuple[type, Callable[..., dict[str, Any]], str]] = {
    "department": (Department, _department, "department"),
    "section": (Section, _section, "section"),
    "hall": (Hall, _hall, "hall"),
    "hall_approval": (HallApproval, _hall_approval, "hall_approval"),
    "citizens_home_opening": (CitizensHomeOpening, _opening, "citizens_home_opening"),
    "place": (Place, _place, "place"),
    "person": (Person, _person, "person"),
    "staff_filing": (StaffFiling, _staff, "staff_filing"),
    "function_section": (FunctionSection, _function_section, "function_section"),
    "fee_review": (FeeReview, _fee_review, "fee_review"),
    "authorization": (Authorization, _authorization, "authorization"),
    "revocation": (Revocation, _revocation, "revocation"),
    "absence": (Absence, _absence, "absence"),
    "delegation": (Delegation, _delegation, "delegation"),
    "seal": (Seal, _seal, "seal"),
    "seal_custody": (SealCustody, _custody, "seal_custody"),
    "exception": (PolicyException, _exception, "exception"),
    "case": (Case, _case_fact, "case"),
}


def export_change(session: Session, kind: str, key: str) -> dict[str, Any] | None:
    """The facts change (docs/facts.md) for one change-feed row, or None if the rules don't care."""
    if kind == "item":
        row = latest_item(session, key, published_only=True)
        return None if row is None else {"kind": "item", "op": "upsert",
                                         "record": _with_entry_date(item_fact(row), entry_dates(session, key))}
    if kind == "exemption":
        row = session.get(Exemption, int(key))
        return None if row is None else {"kind": "exemption", "op": "upsert", "record": _exemption(session, row)}
    entry = _BY_KIND.get(kind)
    if entry is None:
        return None
    model, convert, fact_kind = entry
    pk = int(key) if model.__table__.primary_key.columns.values()[0].type.python_type is int else key
    row = session.get(model, pk)
    return None if row is None else {"kind": fact_kind, "op": "upsert", "record": convert(row)}


def as_known(rows: list[dict[str, Any]], known_at: datetime | None) -> list[dict[str, Any]]:
    """Rows filed no later than `known_at` (record time)."""
    if known_at is None:
        return rows
    return [r for r in rows if r.get("filed_at") is None or r["filed_at"] <= known_at]
