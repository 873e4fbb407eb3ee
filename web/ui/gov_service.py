"""The government service department's workspace (市政务服务中心, role `gov_service`): the
filing register of chief representatives and staff (备案确认), seals, places (docs/design.md §1)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from registry import models as m
from registry.services import org
from web.context import runtime
from web.ui.common import FormErrors, RolePages, file_with, matches, paginate_list, submit

pages = RolePages("gov_service")


@pages.get("/gs/")
def gs_home():
    with runtime().reading() as session:
        waiting = (
            session.scalar(
                select(func.count()).select_from(m.StaffFiling).where(m.StaffFiling.acknowledged_at.is_(None))
            )
            or 0
        )
        seals = session.scalar(select(func.count()).select_from(m.Seal)) or 0
        places = session.scalar(select(func.count()).select_from(m.Place)) or 0
    from web.ui.gs_calendar import calendar_status

    return render_template("gs/home.html", waiting=waiting, seals=seals, places=places, calendar=calendar_status())


@pages.get("/gs/staff-filings")
def gs_staff():
    state = request.args.get("state", "waiting")
    with runtime().reading() as session:
        stmt = select(m.StaffFiling).order_by(m.StaffFiling.id.desc())
        if state == "waiting":
            stmt = stmt.where(m.StaffFiling.acknowledged_at.is_(None))
        rows = list(session.scalars(stmt))
        ids = {e["person"] for f in rows for e in f.people}
        names = {p.id: p.name for p in session.scalars(select(m.Person).where(m.Person.id.in_(ids)))} if ids else {}
        depts = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        return render_template("gs/staff.html", page=paginate_list(rows), names=names, depts=depts, state=state)


@pages.post("/gs/staff-filings/<int:filing_id>/ack")
def gs_staff_ack(filing_id):
    _, errors = file_with(lambda ctx: org.acknowledge_staff(ctx, filing_id).id)
    if errors:
        flash(f"未能确认：{errors.detail}", "error")
    else:
        flash(f"备案 #{filing_id} 已确认", "ok")
    return redirect(url_for("ui.gs.gs_staff"))


@pages.route("/gs/seals", methods=["GET", "POST"])
def gs_seals():
    form, errors, status = {}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {k: (form.get(k) or "").strip() for k in ("code", "name", "department", "kind")}
        for k, label in (("code", "编码"), ("name", "名称"), ("department", "部门")):
            if not data[k]:
                errors.add(k, f"请填写{label}")
        done, errors = submit(
            errors,
            lambda ctx: org.create_seal(ctx, data).code,
            lambda _: f"印章 {data['code']} 已登记",
            url_for("ui.gs.gs_seals"),
        )
        if done is not None:
            return done
        status = 422
    q = request.args.get("q", "")
    with runtime().reading() as session:
        depts = dict(
            session.execute(
                select(m.Department.code, m.Department.name)
                .where(m.Department.placeholder.is_(False))
                .order_by(m.Department.code)
            ).all()
        )
        rows = [
            s
            for s in session.scalars(select(m.Seal).order_by(m.Seal.department, m.Seal.code))
            if matches(q, s.name, s.code, depts.get(s.department))
        ]
        return render_template(
            "gs/seals.html", page=paginate_list(rows), depts=depts, q=q, form=form, errors=errors
        ), status


@pages.get("/gs/places")
def gs_places():
    q = request.args.get("q", "")
    with runtime().reading() as session:
        depts = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        halls = dict(session.execute(select(m.Hall.code, m.Hall.name)).all())
        rows = [
            p
            for p in session.scalars(select(m.Place).order_by(m.Place.kind, m.Place.code))
            if matches(q, p.name, p.code)
        ]
        sections = dict(session.execute(select(m.FunctionSection.code, m.FunctionSection.name)).all())
        return render_template(
            "gs/places.html", page=paginate_list(rows), depts=depts, halls=halls, q=q, sections=sections
        )
