"""Seal uses (docs/design.md §7): ask the rules first, then log the use and hand back a receipt.

A refused use appends nothing. An allowed use is one transaction (the SealUse row and its
signed leaf), then waits, bounded, for a checkpoint that covers it, and answers with a
receipt anyone can verify offline with the log's public key.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.db import utcnow
from registry.ledger import node_getter
from registry.models import Checkpoint, LogEntry, Person, Seal, SealUse
from registry.services.accounts import Principal
from registry.services.context import Actor, FilingContext, iso
from signing import merkle
from signing.note import note_key_id, split_note
from signing.receipt import build_receipt


class ActRefused(Exception):
    """An act (a seal use, an acceptance) is refused; `verdict` names the act refused ("不允许用印"),
    `reasons` say why (the decision's reasons and why_not). Nothing was written."""

    def __init__(self, detail: str, reasons: list[dict[str, Any]], decision: dict[str, Any] | None = None,
                 verdict: str = "不允许此操作"):
        super().__init__(detail)
        self.detail = detail
        self.reasons = reasons
        self.decision = decision
        self.verdict = verdict


SealRefused = ActRefused


def refused(verdict: str, decision: dict[str, Any]) -> ActRefused:
    """A refused act from a decision that denies: the why-not sentence once (it already names the
    prohibitions and the grant that did not hold), the reasons with their clauses beside it."""
    why = decision.get("why_not") or {}
    return ActRefused(why.get("text") or verdict, list(decision["reasons"]), decision, verdict=verdict)


def use_seal(rt, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    if principal.person is None or principal.person != data["person"]:
        raise SealRefused("用印须由保管人本人使用自己的账号", [{
            "rule": "seal.own_credential", "clause": "XT-3.3.3", "text": "“行政审批专用章”及其他业务专章的保管权和使用权",
            "detail": "请求中的人员与登录账号所关联的人员不一致"}], verdict="不允许用印")
    if principal.place is not None and principal.place != data["place"]:
        raise SealRefused("此令牌绑定了其他场所", [{
            "rule": "token.place", "clause": "XT-3.3.1", "text": "进驻的依申请类政务服务事项必须在所进驻大厅实质运行",
            "detail": f"令牌绑定场所为 {principal.place}，请求场所为 {data['place']}"}], verdict="不允许用印")
    now = utcnow()
    decision = rt.policy.decide(data["person"], "use_seal", data["item"], at=now, place=data["place"],
                                seal=data["seal"], case=data["case"])
    if not decision["allowed"]:
        raise refused("不允许用印", decision)
    with rt.sessions() as session:
        with session.begin():
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            seal = session.get(Seal, data["seal"])
            auth = decision.get("authorization") or {}
            use = SealUse(seal=seal.code, person=data["person"], item=data["item"], case=data["case"],
                          document_sha256=data["document_sha256"], place=data["place"], at=now,
                          decision_id=decision["decision_id"], authorization=auth.get("id"),
                          acting_for=decision.get("acting_for"))
            session.add(use)
            session.flush()
            ctx = FilingContext(session=session, actor=Actor(name=principal.name, role="department",
                                                             department=seal.department, person=data["person"]),
                                ledger=rt.ledger, now=now)
            person = session.get(Person, data["person"])
            logged = ctx.log("seal_use", {
                "id": use.id, "seal": seal.code, "seal_kind": seal.kind, "department": seal.department,
                "person": data["person"], "item": data["item"], "case": data["case"],
                "document_sha256": data["document_sha256"], "place": data["place"], "at": iso(now),
                "decision_id": decision["decision_id"], "authorization": auth.get("id"),
                "acting_for": decision.get("acting_for"), "policy_digest": decision["policy"]["digest"],
            }, ref=use.id, personal={"person_name": person.name} if person else None)
            use.log_index, use.leaf_hash = logged.index, logged.leaf_hash
    return {"receipt": receipt_for(rt, logged.index), "decision_id": decision["decision_id"],
            "acting_for": decision.get("acting_for")}


def receipt_for(rt, index: int, wait_ms: int | None = None) -> dict[str, Any]:
    """The receipt of log entry `index` under a checkpoint that covers it."""
    wait = rt.settings.receipt_wait_ms if wait_ms is None else wait_ms
    cp: Checkpoint = rt.ledger.await_checkpoint(rt.sessions, index, wait)
    with rt.reading() as session:
        entry = session.get(LogEntry, index)
        proof = merkle.inclusion_proof(index, cp.tree_size, node_getter(session))
    return build_receipt(entry.leaf, index, proof, cp.tree_size, cp.note, checkpoint_key(rt, cp.note),
                         rt.settings.log_origin)


def checkpoint_key(rt, note: str) -> bytes:
    """The log key that signed this checkpoint (not merely the current one: keys rotate)."""
    origin = rt.settings.log_origin
    _, signatures = split_note(note)
    ids = {sig.key_id for sig in signatures if sig.name == origin}
    for info in rt.extras["keys"].public_keys():
        if info.body == "log" and note_key_id(origin, info.public_key) in ids:
            return info.public_key
    raise LookupError("no log key signed this checkpoint")


def find_seal_use(session, leaf_hash: str) -> dict[str, Any] | None:
    """What a citizen may learn from a receipt hash: sealed or not, when, by which department."""
    from registry.models import Department
    use = session.scalar(select(SealUse).where(SealUse.leaf_hash == leaf_hash))
    if use is None:
        return None
    seal = session.get(Seal, use.seal)
    dept = session.get(Department, seal.department)
    return {"sealed": True, "at": iso(use.at), "department": dept.code, "department_name": dept.name,
            "seal_kind": seal.kind, "log_index": use.log_index, "document_sha256": use.document_sha256}
