"""Findings on the pages (issue 12 items 5 and Speed): the compliance pages read the findings the
scheduler stored (one indexed query, not the city's report recomputed per request), a department
reads and answers its own findings, and its home page counts the same rows."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from registry import models as m
from registry.services import findings as finding_service
from web.context import runtime
from web.ui.common import FormErrors, RolePages, exporting, file_with, matches, paginate_list
from web.ui.names import Names

pages = RolePages("department")

SEVERITY = {"high": "高", "medium": "中", "low": "低", "info": "提示"}


def stored(session, department: str | None = None) -> list[m.Finding] | None:
    """The live findings as last synced, or None when the scheduler never synced any."""
    if session.scalar(select(m.Finding.id).limit(1)) is None:
        return None
    stmt = select(m.Finding).where(m.Finding.state.in_(finding_service.LIVE_STATES))
    if department:
        stmt = stmt.where(m.Finding.department == department)
    return list(session.scalars(stmt.order_by(m.Finding.clause, m.Finding.department, m.Finding.id)))


def open_count(session, department: str) -> int | None:
    """What a department's home page shows: its live findings (None: never synced)."""
    if session.scalar(select(m.Finding.id).limit(1)) is None:
        return None
    return (
        session.scalar(
            select(func.count())
            .select_from(m.Finding)
            .where(m.Finding.department == department, m.Finding.state.in_(finding_service.LIVE_STATES))
        )
        or 0
    )


def as_report(rows: list[m.Finding], names: Names) -> dict[str, Any]:
    """Stored rows in the shape of the compliance report (findings and a summary)."""
    findings = [
        {
            "id": f.id,
            "clause": f.clause,
            "rule": f.rule,
            "subject": f.subject,
            "department": f.department,
            "severity": f.severity,
            "strength": f.strength,
            "text": f.text,
            "state": f.state,
            "last_seen": f.last_seen,
        }
        for f in rows
    ]
    by_clause: dict[str, int] = {}
    per_dept: dict[str | None, int] = {}
    for f in findings:
        by_clause[f["clause"]] = by_clause.get(f["clause"], 0) + 1
        per_dept[f["department"]] = per_dept.get(f["department"], 0) + 1
    departments = sorted(
        ({"code": d, "name": names.department(d), "total": n} for d, n in per_dept.items()),
        key=lambda d: (-d["total"], d["name"]),
    )
    synced = max((f.last_seen for f in rows), default=None)
    return {
        "findings": findings,
        "summary": {"total": len(findings), "by_clause": by_clause, "departments": departments},
        "synced_at": synced,
    }


# --- a department's findings -------------------------------------------------------------------


@pages.get("/dept/<dept>/findings")
def dept_findings(dept):
    return _render(dept)


def _render(dept: str, errors_for: str | None = None, errors: FormErrors | None = None, form=None, status=200):
    q = request.args.get("q", "")
    with runtime().reading() as session:
        names = Names(session)
        rows = stored(session, dept)
        events: dict[str, list[m.FindingEvent]] = {}
        if rows:
            for e in session.scalars(
                select(m.FindingEvent)
                .where(m.FindingEvent.finding.in_([f.id for f in rows]))
                .order_by(m.FindingEvent.at, m.FindingEvent.id)
            ):
                events.setdefault(e.finding, []).append(e)
        shown = [f for f in rows or [] if matches(q, f.text, names.subject(f.subject))]
        if exporting():
            return _findings_xlsx(dept, shown, events, names)
        return render_template(
            "dept/findings.html",
            dept=dept,
            page=paginate_list(shown),
            names=names,
            synced=rows is not None,
            events=events,
            q=q,
            states=finding_service.STATES,
            event_labels=finding_service.EVENTS,
            severity=SEVERITY,
            errors_for=errors_for,
            errors=errors or FormErrors(),
            form=form or {},
        ), status


def _findings_xlsx(dept: str, rows: list[m.Finding], events: dict[str, list[m.FindingEvent]], names: Names):
    from web.ui.common import fmt_local
    from web.ui.xlsx import xlsx_response

    def history(f: m.Finding) -> str:
        return "；".join(
            f"{fmt_local(e.at)} {finding_service.EVENTS.get(e.event, e.event)}"
            + (f"：{e.note}" if e.note and e.event != "notified" else "")
            for e in events.get(f.id, [])
        )

    table = [
        (
            names.subject(f.subject),
            finding_service.STATES.get(f.state, f.state),
            SEVERITY.get(f.severity, f.severity),
            "必须" if f.strength == "must" else "原则上",
            f.clause,
            f.text,
            history(f),
        )
        for f in rows
    ]
    return xlsx_response(
        f"合规问题-{names.department(dept)}.xlsx",
        [("合规问题", ("对象", "状态", "严重程度", "强度", "依据条款", "说明", "处理经过"), table)],
    )


@pages.post("/dept/<dept>/findings/<finding_id>/answer")
def dept_finding_answer(dept, finding_id):
    note = (request.form.get("note") or "").strip()
    if not note:
        errors = FormErrors()
        errors.add("note", "请写明答复内容：已经或将要如何整改")
        return _render(dept, finding_id, errors, request.form, 422)
    _, errors = file_with(lambda ctx: finding_service.answer(ctx, finding_id, note).id)
    if errors:
        return _render(dept, finding_id, errors, request.form, 422)
    flash("答复已签名登记，审改部门可以看到", "ok")
    return redirect(url_for("ui.dept.dept_findings", dept=dept))
