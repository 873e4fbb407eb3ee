"""API views of the integrated platform (一体化平台): the applications it reports and the
outages the government service department declares (docs/design.md §12.1)."""

from __future__ import annotations

from typing import Annotated

from flask import g
from pydantic import Field
from sqlalchemy import select

from registry.models.platform import PlatformApplication, PlatformOutage
from registry.services import platform
from web.api.listing import LIST_QUERY, paginate
from web.api.routing import tagged
from web.api.schemas import Body
from web.api.serialize import t
from web.api.types import Code, Text, Time
from application.runtime import actor_of
from web.context import runtime

route, filing = tagged("cases")

LIST = {
    "type": "object",
    "required": ["items", "next"],
    "properties": {"items": {"type": "array"}, "next": {"type": ["string", "null"]}},
}
PlatformNo = Annotated[str, Field(min_length=1, max_length=64)]


class ApplicationIn(Body):
    platform_no: PlatformNo
    item: Code
    applicant: Annotated[str, Field(min_length=1, max_length=100)]
    applied_at: Time


class OutageIn(Body):
    start: Time
    end: Time
    reason: Text


def application_json(a: PlatformApplication) -> dict:
    return {
        "platform_no": a.platform_no,
        "item": a.item,
        "applied_at": t(a.applied_at),
        "source": a.source,
        "source_label": platform.SOURCES.get(a.source, a.source),
        "filed_at": t(a.filed_at),
        "log_index": a.log_index,
    }


def outage_json(o: PlatformOutage) -> dict:
    return {
        "id": o.id,
        "start": t(o.start),
        "end": t(o.end),
        "reason": o.reason,
        "declared_by": o.declared_by,
        "filed_at": t(o.filed_at),
        "log_index": o.log_index,
    }


def commitment_secret(rt) -> bytes:
    """The key of the application key (the same the acceptance uses), so the two match."""
    return rt.ledger.commitment_key if hasattr(rt.ledger, "commitment_key") else b"onehall"


@filing(
    "/platform/applications",
    "一体化平台报送申报记录（签名记入日志）",
    body=ApplicationIn,
    roles=("platform", "gov_service"),
)
def report_application(body: ApplicationIn):
    rt = runtime()
    with rt.filing(actor_of(g.principal)) as ctx:
        row = platform.report_application(ctx, body.model_dump(), secret=commitment_secret(rt), source="api")
        out = application_json(row)
    return out, 201


@route(
    "GET",
    "/platform/applications",
    "一体化平台申报记录",
    query=LIST_QUERY,
    response=LIST,
    roles=("platform", "gov_service", "auditor", "reform_office"),
)
def list_applications():
    with runtime().reading() as session:
        return paginate(
            session, select(PlatformApplication).order_by(PlatformApplication.filed_at.desc()), application_json
        )


@filing("/platform/outages", "声明一体化平台停机（政务服务部门签名记入日志）", body=OutageIn, roles=("gov_service",))
def declare_outage(body: OutageIn):
    with runtime().filing(actor_of(g.principal)) as ctx:
        out = outage_json(platform.declare_outage(ctx, body.model_dump()))
    return out, 201


@route("GET", "/platform/outages", "一体化平台停机记录", query=LIST_QUERY, response=LIST)
def list_outages():
    with runtime().reading() as session:
        return paginate(session, select(PlatformOutage).order_by(PlatformOutage.start.desc()), outage_json)
