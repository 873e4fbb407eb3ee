"""API views for policy analysis: gaps and what-if (reform office, auditors)."""

from __future__ import annotations

from typing import Annotated

from flask import g
from pydantic import Field

from web.api import schemas as s
from web.api.routing import route
from web.api.types import Code, PersonId, Time
from web.context import runtime


class GapsIn(s.Body):
    at: Time | None = None


class WhatIfIn(s.Body):
    person: PersonId
    from_: Time = Field(alias="from")
    to: Time | None = None
    items: Annotated[list[Code], Field(max_length=500)] | None = None


@route(
    "POST",
    "/analysis/gaps",
    "缺口：某时刻无人可以行使的权限（无人审批、无人收费、印章无人保管、联办无人会签）",
    body=GapsIn,
    roles=("reform_office", "auditor"),
    tag="analysis",
    response={"type": "object", "properties": {"items": {"type": "array"}}},
)
def gaps_view(body: GapsIn):
    from application.analysis import gaps

    return {"items": gaps(runtime(), at=body.at)}


@route(
    "POST",
    "/analysis/what-if",
    "假设某人在某段时间缺位：谁来审批每个事项，哪些事项无人审批",
    body=WhatIfIn,
    roles=("reform_office", "auditor", "department"),
    tag="analysis",
)
def what_if_view(body: WhatIfIn):
    from application.analysis import what_if

    principal = g.principal
    return what_if(
        runtime(),
        body.person,
        body.from_,
        body.to,
        body.items,
        department=principal.department if principal.role == "department" else None,
    )
