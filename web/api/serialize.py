"""Model → JSON shapes of the API (docs/design.md §3 field names, times in ISO-8601 UTC)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from registry import models as m
from registry.facts import item_fact


def t(value: date | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _times(d: dict[str, Any]) -> dict[str, Any]:
    return {k: t(v) if isinstance(v, datetime) else v for k, v in d.items()}


def fields(row: Any, *names: str) -> dict[str, Any]:
    """The named attributes of `row` under their own names, in that order, times as t() writes them."""
    out = {}
    for name in names:
        value = getattr(row, name)
        out[name] = t(value) if isinstance(value, date) else value
    return out


def department(d: m.Department) -> dict[str, Any]:
    return fields(d, "code", "name", "group", "kind", "entry_phase", "low_volume", "placeholder")


def section(s: m.Section) -> dict[str, Any]:
    return fields(s, "id", "department", "name", "kind", "entered_whole", "head")


def hall(h: m.Hall) -> dict[str, Any]:
    return fields(h, "code", "name", "kind", "host_department")


def place(p: m.Place) -> dict[str, Any]:
    return fields(p, "code", "name", "kind", "hall", "department", "function_section")


def seal(s: m.Seal) -> dict[str, Any]:
    return fields(s, "code", "name", "department", "kind")


def person(p: m.Person, *, names_only: bool = False) -> dict[str, Any]:
    if names_only:
        return fields(p, "id", "name", "department")
    return fields(p, "id", "name", "department", "section", "position")


def function_section(f: m.FunctionSection) -> dict[str, Any]:
    return fields(f, "code", "name", "lead_department", "whole_chain", "chain")


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
        **fields(a, "id", "grantor", "grantee", "post", "backs"),
        "powers": list(a.powers),
        **fields(a, "items", "valid_from", "valid_to"),
        **logged(a),
        "revoked": None if revocation is None else fields(revocation, "id", "at", "reason"),
    }


def revocation(r: m.Revocation) -> dict[str, Any]:
    return {**fields(r, "id", "authorization", "at", "reason"), **logged(r)}


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
    return fields(f, "id", "department", "people", "filed_at", "acknowledged_at", "log_index")


def exemption(e: m.Exemption, decision: m.ExemptionDecision | None) -> dict[str, Any]:
    return {
        **fields(e, "id", "item", "department", "reason", "basis", "effective_from", "effective_to"),
        **logged(e),
        "decision": None
        if decision is None
        else fields(decision, "id", "result", "document_no", "filed_at", "log_index"),
    }


def hall_approval(a: m.HallApproval) -> dict[str, Any]:
    return fields(a, "id", "hall", "valid_from", "valid_to", "document_no", "filed_at", "log_index")


def opening(o: m.CitizensHomeOpening) -> dict[str, Any]:
    return fields(o, "id", "date", "document_no", "filed_at", "log_index")


def exception(x: m.PolicyException) -> dict[str, Any]:
    return {**fields(x, "id", "rule", "subject", "reason", "until"), **logged(x)}


def fee_review(r: m.FeeReview) -> dict[str, Any]:
    return fields(r, "id", "item", "fee", "result", "basis_ok", "standard_ok", "note", "filed_at", "log_index")


def item_review(r: m.ItemReview, code: str) -> dict[str, Any]:
    return {"id": r.id, "item": code, **fields(r, "result", "reasons", "filed_at", "log_index")}
