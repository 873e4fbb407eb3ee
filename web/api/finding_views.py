"""API views for findings with a life (answer, escalate, sync) and per-department case figures."""

from __future__ import annotations

from typing import Annotated

from flask import g, request
from pydantic import Field
from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case

from registry import models as m
from registry.db import utcnow
from registry.services import findings as finding_service
from web.api.listing import PAGE, paginate
from web.api.problems import invalid, problem
from web.api.routing import filing, route
from web.api.schemas import Body
from web.api.serialize import fields, t
from web.api.types import parse_time
from application.runtime import actor_of
from application.scheduler import finding_json
from web.context import runtime

READERS = ("reform_office", "auditor", "department")


class FindingNoteIn(Body):
    note: Annotated[str, Field(min_length=1, max_length=2000)]


def event_json(e: m.FindingEvent) -> dict:
    return {
        **fields(e, "id", "event"),
        "event_label": finding_service.EVENTS.get(e.event, e.event),
        **fields(e, "by", "by_user", "note", "at", "log_index"),
    }


def _time_arg(name: str):
    raw = request.args.get(name)
    if not raw:
        return None, None
    try:
        return parse_time(raw), None
    except ValueError as exc:
        return None, invalid(name, str(exc))


def _department_scope():
    """(department filter or None, problem or None) by the read matrix: a department reads its own."""
    wanted = request.args.get("department") or None
    if g.principal.role == "department":
        if wanted and wanted != g.principal.department:
            return None, problem(403, "无权查看", f"只能查看本部门的记录，不能查看{wanted}")
        return g.principal.department, None
    return wanted, None


@route(
    "GET",
    "/findings",
    "问题清单（审改部门、电子监察查看全部，部门查看本部门）",
    roles=READERS,
    tag="oversight",
    query={
        "department": "部门编码",
        "state": "open | notified | answered | escalated | closed",
        "clause": "条款编号",
        "rule": "规则编号",
        "page": "页码",
        "per_page": "每页条数（≤ 500）",
    },
    response=PAGE,
)
def list_findings():
    scope, denied = _department_scope()
    if denied is not None:
        return denied
    stmt = select(m.Finding).order_by(m.Finding.last_seen.desc(), m.Finding.id)
    if scope:
        stmt = stmt.where(m.Finding.department == scope)
    state = request.args.get("state")
    if state:
        if state not in finding_service.STATES:
            return invalid("state", "、".join(finding_service.STATES), f"未知状态“{state}”")
        stmt = stmt.where(m.Finding.state == state)
    for name in ("clause", "rule"):
        if request.args.get(name):
            stmt = stmt.where(getattr(m.Finding, name) == request.args[name])
    with runtime().reading() as session:
        return paginate(session, stmt, finding_json)


def _readable(f: m.Finding):
    if g.principal.role == "department" and f.department != g.principal.department:
        return problem(403, "无权查看", "只能查看本部门的问题")
    return None


@route("GET", "/findings/{finding_id}", "一个问题及其全部经过", roles=READERS, tag="oversight")
def get_finding(finding_id: str):
    with runtime().reading() as session:
        f = session.get(m.Finding, finding_id)
        if f is None:
            return problem(404, "记录不存在", f"问题“{finding_id}”不存在")
        denied = _readable(f)
        if denied is not None:
            return denied
        return _with_events(session, f)


def _with_events(session, f: m.Finding) -> dict:
    return {**finding_json(f), "events": [event_json(e) for e in finding_service.events_of(session, f.id)]}


def _act_route(verb: str, summary: str, role: str, act) -> None:
    """POST /findings/{finding_id}/<verb>: `act` on the finding with the body's note, signed and logged."""

    def view(finding_id: str, body: FindingNoteIn):
        with runtime().filing(actor_of(g.principal)) as ctx:
            out = _with_events(ctx.session, act(ctx, finding_id, body.note))
        return out, 201

    view.__name__ = f"{verb}_finding"
    filing(f"/findings/{{finding_id}}/{verb}", summary, body=FindingNoteIn, roles=(role,), tag="oversight")(view)


_act_route("answer", "责任部门答复问题（签名记入日志）", "department", finding_service.answer)
_act_route("escalate", "审改部门升级督办（签名记入日志）", "reform_office", finding_service.escalate)


@route(
    "POST",
    "/findings/sync",
    "运行全市合规报告并同步问题清单、通知责任部门",
    roles=("reform_office",),
    tag="oversight",
    query={"at": "时间（ISO-8601），默认现在"},
)
def sync_findings():
    from application.scheduler import sync_findings as run_sync

    at, bad = _time_arg("at")
    if bad is not None:
        return bad
    return run_sync(runtime(), at)


# ------------------------------------------------------------------ figures


def case_figures(session, at, department: str | None = None) -> dict:
    """Per department: cases, on-time rate of issued cases with a limit, overdue open cases,
    open alerts. ``at`` is the moment "overdue" is judged at."""
    issued_sub = (
        select(m.CaseStep.case.label("case"), func.min(m.CaseStep.at).label("issued_at"))
        .where(m.CaseStep.step == "issued")
        .group_by(m.CaseStep.case)
        .subquery()
    )
    issued = issued_sub.c.issued_at
    limited = m.Case.due_at.is_not(None)

    def count_if(*conds):
        return func.coalesce(func.sum(sql_case((and_(*conds), 1), else_=0)), 0)

    stmt = (
        select(
            m.Case.department,
            func.count().label("cases"),
            func.count(issued).label("issued"),
            count_if(issued.is_not(None), limited).label("issued_with_limit"),
            count_if(issued.is_not(None), limited, issued <= m.Case.due_at).label("issued_on_time"),
            count_if(issued.is_not(None), limited, issued > m.Case.due_at).label("issued_late"),
            count_if(issued.is_(None), limited, m.Case.due_at < at).label("overdue"),
            count_if(issued.is_(None), m.Case.clock_pending.is_(True)).label("clock_pending"),
        )
        .select_from(m.Case)
        .outerjoin(issued_sub, issued_sub.c.case == m.Case.number)
        .where(m.Case.accepted_at <= at)
        .group_by(m.Case.department)
    )
    alerts = (
        select(m.Alert.department, m.Alert.level, func.count())
        .where(m.Alert.state == "open")
        .group_by(m.Alert.department, m.Alert.level)
    )
    if department:
        stmt = stmt.where(m.Case.department == department)
        alerts = alerts.where(m.Alert.department == department)
    names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
    rows: dict[str, dict] = {}

    def row_for(code):
        return rows.setdefault(
            code,
            {
                "department": code,
                "name": names.get(code, code),
                "cases": 0,
                "open": 0,
                "issued": 0,
                "issued_with_limit": 0,
                "issued_on_time": 0,
                "issued_late": 0,
                "on_time_rate": None,
                "overdue": 0,
                "clock_pending": 0,
                "open_alerts": 0,
                "open_alerts_by_level": {},
            },
        )

    for r in session.execute(stmt).mappings():
        row = row_for(r["department"])
        for k in ("cases", "issued", "issued_with_limit", "issued_on_time", "issued_late", "overdue", "clock_pending"):
            row[k] = int(r[k])
        row["open"] = row["cases"] - row["issued"]
        if row["issued_with_limit"]:
            row["on_time_rate"] = round(row["issued_on_time"] / row["issued_with_limit"], 4)
    for dept, level, n in session.execute(alerts):
        if dept is None:
            continue
        row = row_for(dept)
        row["open_alerts"] += n
        row["open_alerts_by_level"][level] = n
    items = sorted(rows.values(), key=lambda r: (-r["overdue"], -r["open_alerts"], r["department"]))
    total = {
        k: sum(r[k] for r in items)
        for k in (
            "cases",
            "open",
            "issued",
            "issued_with_limit",
            "issued_on_time",
            "issued_late",
            "overdue",
            "clock_pending",
            "open_alerts",
        )
    }
    total["on_time_rate"] = (
        round(total["issued_on_time"] / total["issued_with_limit"], 4) if total["issued_with_limit"] else None
    )
    return {"at": t(at), "items": items, "total": total}


@route(
    "GET",
    "/cases/figures",
    "各部门办件按时办结率、超期数、未处理预警数",
    roles=("reform_office", "auditor", "department", "gov_service", "government"),
    tag="cases",
    query={"department": "部门编码", "at": "判断超期的时间（ISO-8601），默认现在"},
)
def figures():
    scope, denied = _department_scope()
    if denied is not None:
        return denied
    at, bad = _time_arg("at")
    if bad is not None:
        return bad
    with runtime().reading() as session:
        return case_figures(session, at or utcnow(), scope)
