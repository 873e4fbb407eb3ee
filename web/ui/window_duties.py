"""What a window login may do (issue 12 item 4): a comprehensive-window clerk who keeps no seal
sees, instead of an empty seal form, the departments whose items the government service
department may handle for them (their authorizations in force and 事进人不进 delegations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from registry import models as m
import vocab
from web.ui.common import as_utc, auth_status


def duties(session, person: m.Person | None, now: datetime) -> dict[str, Any]:
    names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
    dept = session.get(m.Department, person.department) if person else None
    out: dict[str, Any] = {
        "person": person,
        "department": names.get(person.department) if person else "",
        "gov_service": bool(dept is not None and dept.kind == "gov_service"),
        "authorized": [],
        "delegated": [],
    }
    if not out["gov_service"]:
        return out
    auths = list(
        session.scalars(
            select(m.Authorization)
            .where(m.Authorization.grantee_gov_service.is_(True))
            .order_by(m.Authorization.grantor)
        )
    )
    revs = (
        {
            r.authorization: r
            for r in session.scalars(select(m.Revocation).where(m.Revocation.authorization.in_([a.id for a in auths])))
        }
        if auths
        else {}
    )
    for a in auths:
        if auth_status(a, revs.get(a.id), now) == "valid":
            out["authorized"].append(
                {
                    "department": names.get(a.grantor, a.grantor),
                    "powers": "、".join(vocab.ACTIONS.get(p, p) for p in a.powers),
                    "scope": "全部事项" if a.items in ("*", None) else f"{len(a.items)} 项事项",
                    "valid_to": a.valid_to,
                }
            )
    for d in session.scalars(select(m.Delegation).order_by(m.Delegation.department)):
        if as_utc(d.from_) <= now and (d.to is None or now < as_utc(d.to)):
            out["delegated"].append(
                {
                    "department": names.get(d.department, d.department),
                    "scope": "全部事项" if d.items in ("*", None) else f"{len(d.items)} 项事项",
                }
            )
    return out
