"""A department's people: absences (缺位), seal custody (印章保管), staff filing (人员与备案),
exemption requests (不宜进驻), delegation (事进人不进) and the one-step 人员离岗/调动."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from registry import models as m
from registry.services import grants, org
from web.access import note_personal_reads
from web.context import runtime
from web.input_guard import is_id
from web.ui.common import (
    FormErrors,
    RolePages,
    file_with,
    forbidden,
    from_now,
    local_input,
    matches,
    paginate_list,
    parse_int,
    period,
    parse_time,
    submit,
)
from vocab.clock import as_utc, utcnow

from web.ui.department import _auth_rows, _department, _latest_items, _people

pages = RolePages("department")


# --- absences (缺位) -----------------------------------------------------------------------------


@pages.route("/dept/<dept>/absences", methods=["GET", "POST"])
def dept_absences(dept):
    form, errors, status = {"from": local_input(utcnow())}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {
            "person": parse_int(form.get("person"), "person", errors),
            "from": parse_time(form.get("from"), "from", errors, required=True),
            "to": parse_time(form.get("to"), "to", errors),
            "reason": (form.get("reason") or "").strip(),
        }
        done, errors = submit(
            errors,
            lambda ctx: grants.file_absence(ctx, data).log_index,
            lambda result: f"缺位已登记（日志序号 {result}）",
            url_for("ui.dept.dept_absences", dept=dept),
        )
        if done is not None:
            return done
        status = 422
    q = request.args.get("q", "")
    now = utcnow()
    with runtime().reading() as session:
        people = _people(session, dept)
        names = {p.id: p.name for p in people}
        rows = list(
            session.scalars(
                select(m.Absence)
                .join(m.Person, m.Person.id == m.Absence.person)
                .where(m.Person.department == dept)
                .order_by(m.Absence.from_.desc())
            )
        )
        rows = [r for r in rows if matches(q, names.get(r.person))]
        page = paginate_list(rows)
        html = render_template(
            "dept/absences.html",
            dept=dept,
            page=page,
            names=names,
            people=people,
            form=form,
            errors=errors,
            q=q,
            now=now,
        )
    note_personal_reads((r.person for r in page.rows), "absence.reason")
    return html, status


# --- seals and custody (印章保管) ---------------------------------------------------------------


def _holders(session, dept: str) -> list[m.Person]:
    """People holding a valid chief-representative authorization of the department."""
    ids = {r.a.grantee_person for r in _auth_rows(session, dept) if r.status == "valid" and r.a.grantee_person}
    return [p for p in _people(session, dept) if p.id in ids]


def _current_custody(session, seal_codes: list[str], now) -> dict[str, m.SealCustody]:
    """The custody in force per seal: the latest filing whose interval holds now."""
    out: dict[str, m.SealCustody] = {}
    if not seal_codes:
        return out
    for c in session.scalars(
        select(m.SealCustody)
        .where(m.SealCustody.seal.in_(seal_codes))
        .order_by(m.SealCustody.filed_at, m.SealCustody.id)
    ):
        if as_utc(c.from_) <= now and (c.to is None or now < as_utc(c.to)):
            out[c.seal] = c
    return out


@pages.route("/dept/<dept>/seals", methods=["GET", "POST"])
def dept_seals(dept):
    form, errors, status = {"from": local_input(utcnow())}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {
            "seal": form.get("seal") or None,
            "person": parse_int(form.get("person"), "person", errors),
            **period(form, errors),
        }
        done, errors = submit(
            errors,
            lambda ctx: grants.file_seal_custody(ctx, from_now(ctx, data)).log_index,
            lambda result: f"印章保管人已登记（日志序号 {result}）",
            url_for("ui.dept.dept_seals", dept=dept),
        )
        if done is not None:
            return done
        status = 422
    now = utcnow()
    with runtime().reading() as session:
        seals = list(session.scalars(select(m.Seal).where(m.Seal.department == dept).order_by(m.Seal.code)))
        names = {p.id: p.name for p in _people(session, dept)}
        current = _current_custody(session, [s.code for s in seals], now)
        history = (
            list(
                session.scalars(
                    select(m.SealCustody)
                    .where(m.SealCustody.seal.in_([s.code for s in seals]))
                    .order_by(m.SealCustody.id.desc())
                )
            )
            if seals
            else []
        )
        return render_template(
            "dept/seals.html",
            dept=dept,
            seals=seals,
            current=current,
            names=names,
            page=paginate_list(history),
            holders=_holders(session, dept),
            form=form,
            errors=errors,
        ), status


# --- people and staff filing (人员与备案) ---------------------------------------------------------


@pages.get("/dept/<dept>/staff")
def dept_staff(dept):
    return _render_staff(dept, {}, FormErrors(), {}, FormErrors())


def _render_staff(dept, person_form, person_errors, filing_form, filing_errors, status=200):
    q = request.args.get("q", "")
    with runtime().reading() as session:
        people = _people(session, dept)
        sections = {s.id: s for s in session.scalars(select(m.Section).where(m.Section.department == dept))}
        holders = {r.a.grantee_person: r.a.post for r in _auth_rows(session, dept) if r.status == "valid"}
        shown = [p for p in people if matches(q, p.name, p.position)]
        filings = list(
            session.scalars(
                select(m.StaffFiling).where(m.StaffFiling.department == dept).order_by(m.StaffFiling.id.desc())
            )
        )
        names = {p.id: p.name for p in people}
        return render_template(
            "dept/staff.html",
            dept=dept,
            page=paginate_list(shown),
            people=people,
            sections=sections,
            holders=holders,
            filings=filings[:50],
            names=names,
            q=q,
            person_form=person_form,
            person_errors=person_errors,
            filing_form=filing_form,
            filing_errors=filing_errors,
        ), status


@pages.post("/dept/<dept>/people")
def dept_person_new(dept):
    form = request.form
    errors = FormErrors()
    name = (form.get("name") or "").strip()
    if not name:
        errors.add("name", "必填")
    section = parse_int(form.get("section"), "section", errors, required=False)
    if errors:
        return _render_staff(dept, form, errors, {}, FormErrors(), 422)
    data = {"name": name, "department": dept, "section": section, "position": (form.get("position") or "").strip()}
    result, errors = file_with(lambda ctx: org.create_person(ctx, data).id)
    if errors:
        return _render_staff(dept, form, errors, {}, FormErrors(), 422)
    flash(f"已新增人员 {name}（编号 {result}）", "ok")
    return redirect(url_for("ui.dept.dept_staff", dept=dept))


@pages.post("/dept/<dept>/staff-filings")
def dept_staff_file(dept):
    form = request.form
    people = []
    for key, value in form.items():
        if key.startswith("role_") and is_id(key[5:]) and value:
            people.append({"person": int(key[5:]), "role": value})
    data = {"department": dept, "people": people}
    result, errors = file_with(lambda ctx: org.file_staff(ctx, data).log_index)
    if errors:
        return _render_staff(dept, {}, FormErrors(), form, errors, 422)
    flash(f"已报政务服务部门备案（{len(people)}人，日志序号 {result}）", "ok")
    return redirect(url_for("ui.dept.dept_staff", dept=dept))


# --- exemptions (不宜进驻) -------------------------------------------------------------------------


@pages.route("/dept/<dept>/exemptions", methods=["GET", "POST"])
def dept_exemptions(dept):
    form, errors, status = {"effective_from": local_input(utcnow())}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {
            "item": form.get("item") or "",
            "reason": form.get("reason") or "",
            "basis": (form.get("basis") or "").strip(),
            "effective_from": parse_time(form.get("effective_from"), "effective_from", errors, required=True),
            "effective_to": parse_time(form.get("effective_to"), "effective_to", errors),
        }
        if not data["item"]:
            errors.add("item", "请选择事项")
        done, errors = submit(
            errors,
            lambda ctx: grants.request_exemption(ctx, data).id,
            lambda result: f"不宜进驻申请 #{result} 已提交，待市人民政府批准",
            url_for("ui.dept.dept_exemptions", dept=dept),
        )
        if done is not None:
            return done
        status = 422
    with runtime().reading() as session:
        items = _latest_items(session, dept)
        rows = list(
            session.scalars(select(m.Exemption).where(m.Exemption.department == dept).order_by(m.Exemption.id.desc()))
        )
        decisions = (
            {
                x.exemption: x
                for x in session.scalars(
                    select(m.ExemptionDecision).where(m.ExemptionDecision.exemption.in_([r.id for r in rows]))
                )
            }
            if rows
            else {}
        )
        return render_template(
            "dept/exemptions.html",
            dept=dept,
            page=paginate_list(rows),
            decisions=decisions,
            items=items,
            names={i.code: i.name for i in items},
            form=form,
            errors=errors,
        ), status


# --- delegation (事进人不进) -----------------------------------------------------------------------


@pages.route("/dept/<dept>/delegations", methods=["GET", "POST"])
def dept_delegations(dept):
    form, errors, status = {"from": local_input(utcnow()), "items_scope": "*"}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {
            "department": dept,
            "items": "*" if form.get("items_scope", "*") == "*" else form.getlist("items"),
            **period(form, errors),
        }
        done, errors = submit(
            errors,
            lambda ctx: grants.file_delegation(ctx, from_now(ctx, data)).log_index,
            lambda result: f"已委托政务服务部门受理（日志序号 {result}）",
            url_for("ui.dept.dept_delegations", dept=dept),
        )
        if done is not None:
            return done
        status = 422
    with runtime().reading() as session:
        d = _department(session, dept)
        items = _latest_items(session, dept)
        rows = list(
            session.scalars(
                select(m.Delegation).where(m.Delegation.department == dept).order_by(m.Delegation.id.desc())
            )
        )
        return render_template(
            "dept/delegations.html",
            dept=dept,
            d=d,
            page=paginate_list(rows),
            items=items,
            names={i.code: i.name for i in items},
            form=form,
            errors=errors,
            now=utcnow(),
        ), status


# --- 人员离岗/调动: one step, one transaction ------------------------------------------------------


def _departure_plan(session, dept: str, person_id: int, now) -> dict[str, Any]:
    rows = _auth_rows(session, dept, now)
    mine = [r for r in rows if r.a.grantee_person == person_id and r.status in ("valid", "pending") and r.rev is None]
    my_a = {r.a.id for r in mine if r.a.post == "A"}
    orphaned_b = [
        r
        for r in rows
        if r.a.post == "B" and r.a.backs in my_a and r.status == "valid" and r.a.grantee_person != person_id
    ]
    my_b_backs = [r for r in mine if r.a.post == "B"]
    seals = list(session.scalars(select(m.Seal).where(m.Seal.department == dept).order_by(m.Seal.code)))
    current = _current_custody(session, [s.code for s in seals], now)
    held = [s for s in seals if current.get(s.code) and current[s.code].person == person_id]
    successors = [p for p in _holders(session, dept) if p.id != person_id]
    warnings = [
        f"B岗 {r.grantee_label}（授权 #{r.a.id}）所支撑的A岗将空缺：请尽快授予新的A岗并让B岗改为支撑新A岗"
        for r in orphaned_b
    ]
    warnings += [f"撤销后，A岗授权 #{r.a.backs} 将失去B岗支撑" for r in my_b_backs if r.a.backs]
    if held and not successors:
        warnings.append("本部门没有其他持有效首席代表授权的人员，无法移交印章：请先授权接任人")
    return {"grants": mine, "seals": held, "successors": successors, "warnings": warnings, "orphaned_b": orphaned_b}


@pages.route("/dept/<dept>/departure", methods=["GET", "POST"])
def dept_departure(dept):
    src = request.form if request.method == "POST" else request.args
    errors = FormErrors()
    now = utcnow()
    person_id = parse_int(src.get("person"), "person", errors, required=False)
    with runtime().reading() as session:
        people = _people(session, dept)
        person = next((p for p in people if p.id == person_id), None)
        if person_id is not None and person is None:
            return forbidden("只能为本部门人员办理离岗/调动")
        plan = _departure_plan(session, dept, person_id, now) if person else None
        grant_people = {r.a.grantee_person for r in _auth_rows(session, dept, now) if r.status == "valid"}
    form = (
        dict(src.items())
        if request.method == "POST"
        else {"at": local_input(now), "kind": "离岗", "person": src.get("person", "")}
    )

    def render(status=200, done=None):
        return render_template(
            "dept/departure.html",
            dept=dept,
            people=people,
            person=person,
            plan=plan,
            grant_people=grant_people,
            form=form,
            errors=errors,
            done=done,
        ), status

    if request.method == "GET" or person is None:
        if request.method == "POST":
            errors.add("person", "请选择人员")
            return render(422)
        return render()
    at = parse_time(src.get("at"), "at", errors)
    kind = src.get("kind") or "离岗"
    note = (src.get("reason") or "").strip()
    reason = f"{kind}：{note}" if note else kind
    successors: dict[str, int] = {}
    for seal in plan["seals"]:
        sid = parse_int(src.get(f"successor_{seal.code}"), f"successor_{seal.code}", errors)
        if sid is not None:
            if sid not in {p.id for p in plan["successors"]}:
                errors.add(f"successor_{seal.code}", "接任人须为本部门持有效首席代表授权的其他人员")
            successors[seal.code] = sid
    if not plan["grants"] and not plan["seals"]:
        errors.add("person", f"{person.name}没有有效授权，也不保管印章：无需办理")
    if errors:
        return render(422)

    def action(ctx):
        when = at or ctx.now
        revoked, moved = [], []
        for r in plan["grants"]:
            rev = grants.revoke_authorization(ctx, r.a.id, when, reason)
            revoked.append((r.a.id, rev.log_index))
        for code, sid in successors.items():
            c = grants.file_seal_custody(ctx, {"seal": code, "person": sid, "from": when, "to": None})
            moved.append((code, sid, c.log_index))
        return revoked, moved

    result, ferrors = file_with(action)
    if ferrors:
        errors.detail, errors.fields = ferrors.detail, ferrors.fields
        return render(422)
    revoked, moved = result
    names = {p.id: p.name for p in people}
    flash(f"{person.name}{kind}已办理：撤销授权 {len(revoked)} 份，移交印章 {len(moved)} 枚", "ok")
    for w in plan["warnings"]:
        flash(w, "warn")
    done = {"revoked": revoked, "moved": [(c, names.get(s, s), i) for c, s, i in moved]}
    plan = None
    return render(200, done)
