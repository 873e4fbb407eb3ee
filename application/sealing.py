"""Seal uses (docs/design.md §7): ask the rules first, then log the use and hand back a receipt.

A refused use appends nothing. An allowed use is one transaction (the SealUse row and its
signed leaf), then waits, bounded, for a checkpoint that covers it, and answers with a
receipt anyone can verify offline with the log's public key.
"""

from __future__ import annotations

from datetime import datetime
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from registry.db import utcnow
from registry.inputs.filings import SealUseIn
from registry.models import LogEntry
from registry.services.accounts import Principal
from registry.services import seals as seal_service
from registry.services.context import Actor
from application.acts import ActRefused, bound_place, own_person
from application.logservice import log_reader
from vocab.clock import SHANGHAI

__all__ = ["ActRefused", "SealRefused", "refused", "use_seal", "receipt_for", "find_seal_use"]


SealRefused = ActRefused


def refused(verdict: str, decision: dict[str, Any]) -> ActRefused:
    """A refused act from a decision that denies: the why-not sentence once (it already names the
    prohibitions and the grant that did not hold), the reasons with their clauses beside it."""
    why = decision.get("why_not") or {}
    return ActRefused(why.get("text") or verdict, list(decision["reasons"]), decision, verdict=verdict)


def use_seal(rt, principal: Principal, body: SealUseIn) -> dict[str, Any]:
    own_person(
        principal,
        body.person,
        rule="seal.own_credential",
        clause="XT-3.3.3",
        text="“行政审批专用章”及其他业务专章的保管权和使用权",
        what="用印",
        verdict="不允许用印",
    )
    bound_place(principal, body.place, verdict="不允许用印", rt=rt)
    now = utcnow()
    decision = rt.policy.decide(
        body.person, "use_seal", body.item, at=now, place=body.place, seal=body.seal, case=body.case
    )
    if not decision["allowed"]:
        raise refused("不允许用印", decision)
    auth = decision.get("authorization") or {}
    custody = custody_relied_on(rt, body.seal, now)
    with rt.filing(Actor(name=principal.name, role="department", person=body.person)) as ctx:
        logged = seal_service.record_seal_use(replace(ctx, now=now), body, decision, custody)
    authority = [
        (role, i)
        for role, i in (("authorization", auth.get("log_index")), ("custody", custody and custody.get("log_index")))
        if i is not None
    ]
    return {
        "receipt": receipt_for(rt, logged.index, authority=authority),
        "decision_id": decision["decision_id"],
        "acting_for": decision.get("acting_for"),
    }


def custody_relied_on(rt, seal: str, at) -> dict[str, Any] | None:
    """The custody filing the decision read (the engine's signed facts, at the moment of the use)."""
    from rules.timeutil import ts

    t = ts(at)
    return rt.policy.engine.world.custody_at(seal, t, t)


def receipt_for(
    rt, index: int, wait_ms: int | None = None, authority: list[tuple[str, int]] | None = None
) -> dict[str, Any]:
    """The receipt of log entry `index`, issued by the log reader (registry.log_reader): under a
    checkpoint that covers it, with the records a seal use relied on (`authority`, else those its
    record names) proven under the same checkpoint."""
    return log_reader(rt).receipt(index, wait_ms=wait_ms, authority=authority)


def find_seal_use(session, leaf_hash: str) -> dict[str, Any] | None:
    """What a citizen may learn from a receipt hash: sealed or not, when, by which department.

    Read from the signed leaf, never from the seal_uses row (an edited row changes nothing here;
    `onehall audit` names it)."""
    import json
    from registry.models import Department

    entry = session.scalar(select(LogEntry).where(LogEntry.leaf_hash == leaf_hash))
    if entry is None:
        return None
    record = json.loads(bytes(entry.leaf))["record"]
    if record.get("type") != "seal_use":
        return None
    dept = session.get(Department, record.get("department"))
    return {
        "sealed": True,
        "at": record.get("at"),
        "department": record.get("department"),
        "department_name": dept.name if dept else record.get("department"),
        "seal_kind": record.get("seal_kind"),
        "log_index": entry.index,
        "document_sha256": record.get("document_sha256"),
        "authorization": record.get("authorization"),
        "authorization_log_index": record.get("authorization_log_index"),
    }


def authority_of(rt, session, use: dict[str, Any]) -> dict[str, Any] | None:
    """The authorization a use relied on, read from its signed leaf, in Chinese
    ("依据某某部门第N号授权书（日志第M条）"), and whether a revocation is known (online check)."""
    import json
    from registry.models import Department

    index = use.get("authorization_log_index")
    entry = session.get(LogEntry, index) if index is not None else None
    if entry is None:
        return None
    record = json.loads(bytes(entry.leaf))["record"]
    if record.get("type") != "authorization" or record.get("id") != use.get("authorization"):
        return {"text": f"用印记录所称依据（日志第{index}条）不是其授权书", "ok": False}
    dept = session.get(Department, record.get("grantor"))
    name = dept.name if dept else record.get("grantor")
    text = f"依据{name}第{record['id']}号授权书（日志第{index}条）"
    revoked = [r for r in rt.policy.revocations_of(record["id"])]
    if not revoked:
        return {"text": text, "ok": True, "revocation": None}
    first = min(revoked, key=lambda r: r["at"])
    before = first["at"] <= datetime.fromisoformat(use["at"].replace("Z", "+00:00"))
    note = f"该授权书自{local_text(first['at'])}起撤销，" + (
        "早于本次用印" if before else "晚于本次用印（本次用印有效）"
    )
    return {"text": text, "ok": not before, "revocation": note}


def local_text(value) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M")
