"""A seal use as a filing (docs/design.md §7): the SealUse row and its signed record, one transaction.

The application decides first (rules/) and passes the decision it relied on; a refused use never
reaches this module, so nothing is written for it.
"""

from __future__ import annotations

from typing import Any

from registry.inputs.filings import SealUseIn
from registry.models import Person, Seal, SealUse
from registry.services.context import Actor, FilingContext, Logged, iso


def record_seal_use(
    ctx: FilingContext, body: SealUseIn, decision: dict[str, Any], custody: dict[str, Any] | None
) -> Logged:
    """Store and log an allowed use of seal `body.seal`; the record names the authorization and
    custody the decision relied on (with their log indexes, for the receipt's authority)."""
    session = ctx.session
    seal = session.get(Seal, body.seal)
    auth = decision.get("authorization") or {}
    use = SealUse(
        seal=seal.code,
        person=body.person,
        item=body.item,
        case=body.case,
        document_sha256=body.document_sha256,
        place=body.place,
        at=ctx.now,
        decision_id=decision["decision_id"],
        authorization=auth.get("id"),
        acting_for=decision.get("acting_for"),
    )
    session.add(use)
    session.flush()
    # The custodian's department signs its own seal's use.
    ctx = FilingContext(
        session=session,
        ledger=ctx.ledger,
        now=ctx.now,
        actor=Actor(name=ctx.actor.name, role="department", department=seal.department, person=body.person),
    )
    person = session.get(Person, body.person)
    logged = ctx.log(
        "seal_use",
        {
            "id": use.id,
            "seal": seal.code,
            "seal_kind": seal.kind,
            "department": seal.department,
            "person": body.person,
            "item": body.item,
            "case": body.case,
            "document_sha256": body.document_sha256,
            "place": body.place,
            "at": iso(ctx.now),
            "decision_id": decision["decision_id"],
            "authorization": auth.get("id"),
            "acting_for": decision.get("acting_for"),
            "policy_digest": decision["policy"]["digest"],
            "authorization_log_index": auth.get("log_index"),
            "custody": custody and custody.get("id"),
            "custody_log_index": custody and custody.get("log_index"),
        },
        ref=use.id,
        personal={"person_name": person.name} if person else None,
    )
    use.log_index, use.leaf_hash = logged.index, logged.leaf_hash
    return logged
