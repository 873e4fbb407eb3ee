"""Model → JSON shapes of the API (docs/design.md §3 field names, times in ISO-8601 UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry import models as m
from registry.facts import item_fact


def t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _times(d: dict[str, Any]) -> dict[str, Any]:
    return {k: t(v) if isinstance(v, datetime) else v for k, v in d.items()}


def department(d: m.Department) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "group": d.group,
        "kind": d.kind,
        "entry_phase": d.entry_phase,
        "low_volume": d.low_volume,
        "placeholder": d.placeholder,
    }


def section(s: m.Section) -> dict[str, Any]:
    return {
        "id": s.id,
        "department": s.department,
        "name": s.name,
        "kind": s.kind,
        "entered_whole": s.entered_whole,
        "head": s.head,
    }


def hall(h: m.Hall) -> dict[str, Any]:
    return {"code": h.code, "name": h.name, "kind": h.kind, "host_department": h.host_department}


def place(p: m.Place) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "hall": p.hall,
        "department": p.department,
        "function_section": p.function_section,
    }


def seal(s: m.Seal) -> dict[str, Any]:
    return {"code": s.code, "name": s.name, "department": s.department, "kind": s.kind}


def person(p: m.Person, *, names_only: bool = False) -> dict[str, Any]:
    if names_only:
        return {"id": p.id, "name": p.name, "department": p.department}
    return {"id": p.id, "name": p.name, "department": p.department, "section": p.section, "position": p.position}


def item(i: m.ItemVersion) -> dict[str, Any]:
    out = _times(item_fact(i))
    out["late_filed"] = i.late_filed
    out["log_index"] = i.log_index
    return out


def logged(row: Any) -> dict[str, Any]:
    return {
        "record_hash": getattr(row, "record_hash", None),
        "log_index": row.log_index,
        "signature": getattr(row, "signature", None),
        "late_filed": getattr(row, "late_filed", False),
        "filed_at": t(row.filed_at),
    }


def authorization(a: m.Authorization, revocation: m.Revocation | None = None) -> dict[str, Any]:
    return {
        "id": a.id,
        "grantor": a.grantor,
        "grantee": a.grantee,
        "post": a.post,
        "backs": a.backs,
        "powers": list(a.powers),
        "items": a.items,
        "valid_from": t(a.valid_from),
        "valid_to": t(a.valid_to),
        **logged(a),
        "revoked": None
        if revocation is None
        else {"id": revocation.id, "at": t(revocation.at), "reason": revocation.reason},
    }


def revocation(r: m.Revocation) -> dict[str, Any]:
    return {"id": r.id, "authorization": r.authorization, "at": t(r.at), "reason": r.reason, **logged(r)}


def absence(a: m.Absence, *, mask: bool = False) -> dict[str, Any]:
    return {
        "id": a.id,
        "person": a.person,
        "from": t(a.from_),
        "to": t(a.to),
        "reason": "（已遮蔽）" if mask else a.reason,
        **logged(a),
    }


def delegation(d: m.Delegation) -> dict[str, Any]:
    return {"id": d.id, "department": d.department, "items": d.items, "from": t(d.from_), "to": t(d.to), **logged(d)}


def custody(c: m.SealCustody) -> dict[str, Any]:
    return {"id": c.id, "seal": c.seal, "person": c.person, "from": t(c.from_), "to": t(c.to), **logged(c)}


def staff_filing(f: m.StaffFiling) -> dict[str, Any]:
    return {
        "id": f.id,
        "department": f.department,
        "people": f.people,
        "filed_at": t(f.filed_at),
        "acknowledged_at": t(f.acknowledged_at),
        "log_index": f.log_index,
    }


def exemption(e: m.Exemption, decision: m.ExemptionDecision | None) -> dict[str, Any]:
    return {
        "id": e.id,
        "item": e.item,
        "department": e.department,
        "reason": e.reason,
        "basis": e.basis,
        "effective_from": t(e.effective_from),
        "effective_to": t(e.effective_to),
        **logged(e),
        "decision": None
        if decision is None
        else {
            "id": decision.id,
            "result": decision.result,
            "document_no": decision.document_no,
            "filed_at": t(decision.filed_at),
            "log_index": decision.log_index,
        },
    }


def hall_approval(a: m.HallApproval) -> dict[str, Any]:
    return {
        "id": a.id,
        "hall": a.hall,
        "valid_from": t(a.valid_from),
        "valid_to": t(a.valid_to),
        "document_no": a.document_no,
        "filed_at": t(a.filed_at),
        "log_index": a.log_index,
    }


def opening(o: m.CitizensHomeOpening) -> dict[str, Any]:
    return {
        "id": o.id,
        "date": t(o.date),
        "document_no": o.document_no,
        "filed_at": t(o.filed_at),
        "log_index": o.log_index,
    }


def exception(x: m.PolicyException) -> dict[str, Any]:
    return {"id": x.id, "rule": x.rule, "subject": x.subject, "reason": x.reason, "until": t(x.until), **logged(x)}


def fee_review(r: m.FeeReview) -> dict[str, Any]:
    return {
        "id": r.id,
        "item": r.item,
        "fee": r.fee,
        "result": r.result,
        "basis_ok": r.basis_ok,
        "standard_ok": r.standard_ok,
        "note": r.note,
        "filed_at": t(r.filed_at),
        "log_index": r.log_index,
    }


def item_review(r: m.ItemReview, code: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "item": code,
        "result": r.result,
        "reasons": r.reasons,
        "filed_at": t(r.filed_at),
        "log_index": r.log_index,
    }
