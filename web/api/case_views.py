"""API views for cases (办件), their steps, and alerts."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from registry import models as m
from registry.services import cases as case_service
from web.api import schemas as s
from web.api.listing import LIST_QUERY, PAGE, listing
from web.api.problems import problem
from web.api.routing import tagged
from web.api.serialize import fields, t
from application.runtime import actor_of
from web.context import runtime

route, filing = tagged("cases")


CASE_FIELDS = (
    "number",
    "item",
    "department",
    "place",
    "accepted_at",
    "due_at",
    "clock_pending",
    "platform_record",
    "platform_no",
    "status",
    "pending_platform",
    "platform_due_at",
    "decision_id",
    "log_index",
)
ALERT_FIELDS = (
    "id",
    "rule",
    "clause",
    "department",
    "case",
    "level",
    "text",
    "raised_at",
    "state",
    "acknowledged_at",
    "resolved_at",
)


def case_json(c: m.Case) -> dict:
    return fields(c, *CASE_FIELDS)


def alert_json(a: m.Alert) -> dict:
    return fields(a, *ALERT_FIELDS)


@route("GET", "/cases", "办件列表", query=LIST_QUERY, response=PAGE)
def list_cases():
    """A window sees every case (it accepts for the whole hall); a department its own."""
    return listing(
        select(m.Case).order_by(m.Case.accepted_at.desc()),
        case_json,
        None if g.principal.role == "window" else m.Case.department,
    )


@filing("/cases", "受理办件（先判定受理权限，再登记并签名记入日志）", body=s.CaseIn, roles=("window", "gov_service"))
def open_case(body: s.CaseIn):
    from application.casework import accept_case

    case = accept_case(runtime(), g.principal, body)
    return case_json(case), 201


@filing(
    "/cases/{number}/steps",
    "记录办件环节（签名记入日志）",
    body=s.CaseStepIn,
    roles=("window", "gov_service", "department"),
)
def add_step(number: str, body: s.CaseStepIn):
    """The step's person is the caller's linked person, its place a bound token's place, its
    time no further back than the pack allows (application.acts); a refusal writes nothing."""
    from application.case_clock import record_step

    out = record_step(runtime(), g.principal, number, body)
    out["at"] = t(out["at"])
    return out, 201


@route("GET", "/alerts", "预警列表", roles=("auditor", "department", "reform_office"), query=LIST_QUERY, response=PAGE)
def list_alerts():
    return listing(select(m.Alert).order_by(m.Alert.raised_at.desc()), alert_json, m.Alert.department)


@filing("/alerts/{alert_id}/ack", "确认预警", roles=("auditor", "department"))
def ack_alert(alert_id: str):
    if not alert_id.isdigit():
        return problem(404, "记录不存在", f"预警“{alert_id}”不存在")
    with runtime().filing(actor_of(g.principal)) as ctx:
        out = alert_json(case_service.acknowledge_alert(ctx, int(alert_id)))
    return out, 201
