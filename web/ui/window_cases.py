"""The window's cases (issue 12 item 4; README “窗口”): accept a case — decided first, by the same
service as `POST /api/v1/cases` (application.casework: the rules, then the door under the log's
lock), so a refusal (两头受理, 体外循环, an internal office, no authorization) shows its reasons in
Chinese and writes nothing —, read a case with its steps and its clock, record a step."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from flask import g, redirect, render_template, request, url_for
from sqlalchemy import or_, select

import vocab
from application.case_clock import case_clock, record_step
from registry import models as m
from registry.inputs.filings import CaseIn, CaseStepIn
from registry import search
from vocab.clock import SHANGHAI, utcnow
from web.context import runtime
from web.ui.common import FormErrors, RolePages, act_with, not_found, paginate, parse_time, touch_policy
from web.ui.forms import read_form
from web.ui.window_lookup import arg_page, item_options

pages = RolePages("window")

STEPS_AFTER_ACCEPTANCE = {k: v for k, v in vocab.CASE_STEPS.items() if k not in ("received", "accepted")}
STATUS = {"open": "办理中", "closed": "已办结", "returned": "已退件"}


def _places(session) -> list[m.Place]:
    return [
        p for p in session.scalars(select(m.Place).order_by(m.Place.kind, m.Place.code)) if p.kind != "internal_office"
    ]


def _names(session, cases: list[m.Case]) -> dict[str, dict[str, str]]:
    """Item, department and place names of these cases, by code (one query each)."""
    codes = sorted({c.item for c in cases})
    items = search.search_items(session, "", codes=codes, per_page=max(1, len(codes))).rows if codes else []
    return {
        "item": {i.code: i.name for i, _ in items},
        "department": dict(session.execute(select(m.Department.code, m.Department.name)).all()),
        "place": dict(session.execute(select(m.Place.code, m.Place.name)).all()),
    }


@pages.get("/window/cases")
def window_cases():
    q = (request.args.get("q") or "").strip()[:64]
    mine = request.args.get("all") != "1"
    with runtime().reading() as session:
        stmt = select(m.Case).order_by(m.Case.accepted_at.desc(), m.Case.number)
        if q:
            stmt = stmt.where(
                or_(m.Case.number.contains(q, autoescape=True), m.Case.platform_no.contains(q, autoescape=True))
            )
        if mine and g.principal.person is not None:
            stmt = stmt.where(m.Case.number.in_(select(m.CaseStep.case).where(m.CaseStep.person == g.principal.person)))
        page = paginate(session, stmt)
        steps = _steps_of(session, [c.number for c in page.rows])
        now = utcnow()
        clocks = {c.number: case_clock(session, c, steps.get(c.number, []), now) for c in page.rows}
        return render_template(
            "window/cases.html",
            page=page,
            q=q,
            mine=mine,
            names=_names(session, page.rows),
            clocks=clocks,
            status=STATUS,
        )


def _steps_of(session, numbers: list[str]) -> dict[str, list[m.CaseStep]]:
    out: dict[str, list[m.CaseStep]] = {}
    if numbers:
        for s in session.scalars(
            select(m.CaseStep).where(m.CaseStep.case.in_(numbers)).order_by(m.CaseStep.at, m.CaseStep.id)
        ):
            out.setdefault(s.case, []).append(s)
    return out


def _new_number(now: datetime) -> str:
    return f"SL{now.astimezone(SHANGHAI):%Y%m%d%H%M%S}{random.randint(100, 999)}"


@pages.route("/window/cases/new", methods=["GET", "POST"])
def window_case_new():
    principal = g.principal
    form: Any = (
        request.form
        if request.method == "POST"
        else {**request.args, "place": request.args.get("place") or principal.place or ""}
    )
    errors, refused, status = FormErrors(), None, 200
    if request.method == "POST" and principal.person is not None:
        body, errors = _case_request(form)
        if body is not None:
            from application.casework import accept_case

            out = act_with(lambda: accept_case(runtime(), principal, body))
            if out.done:
                touch_policy()
                return redirect(url_for("ui.window.window_case", number=out.result.number, new=1))
            errors, refused, status = out.errors, out.refused, out.status
        else:
            status = 422
    with runtime().reading() as session:
        items = item_options(
            session, (request.args.get("item_q") or "")[:50], arg_page("item_page"), chosen=form.get("item") or None
        )
        return render_template(
            "window/case_new.html",
            form=form,
            errors=errors,
            refused=refused,
            items=items,
            places=_places(session),
            no_person=principal.person is None,
        ), status


def _case_request(form) -> tuple[CaseIn | None, FormErrors]:
    """The acceptance form read through the API's own model (CaseIn): the caller's person, a new
    number unless one is given; the application date read as the page's other times."""
    errors = FormErrors()
    application_date = parse_time(form.get("application_date"), "application_date", errors)
    fields = {
        **{k: form.get(k) for k in ("item", "place", "applicant", "platform_no")},
        "number": (form.get("number") or "").strip() or _new_number(utcnow()),
        "person": g.principal.person,
        "application_date": application_date,
    }
    return read_form(CaseIn, fields, errors)


@pages.route("/window/cases/<number>", methods=["GET", "POST"])
def window_case(number: str):
    errors, refused, status = FormErrors(), None, 200
    form: Any = request.form if request.method == "POST" else {}
    if request.method == "POST":
        step = form.get("step") or ""
        at = parse_time(form.get("at"), "at", errors)
        if step not in STEPS_AFTER_ACCEPTANCE:
            errors.add("step", "请选择环节")
        body = None
        if not errors:
            body, errors = read_form(CaseStepIn, {"step": step, "place": form.get("place"), "at": at})
        if body is not None:
            out = act_with(lambda: record_step(runtime(), g.principal, number, body))
            if out.done:
                return redirect(url_for("ui.window.window_case", number=number, step=step))
            errors, refused, status = out.errors, out.refused, out.status
        else:
            status = 422
    with runtime().reading() as session:
        case = session.get(m.Case, number)
        if case is None:
            return not_found(f"没有编号为“{number}”的办件")
        steps = _steps_of(session, [number]).get(number, [])
        people = dict(
            session.execute(
                select(m.Person.id, m.Person.name).where(m.Person.id.in_({s.person for s in steps if s.person}))
            ).all()
        )
        alerts = list(session.scalars(select(m.Alert).where(m.Alert.case == number).order_by(m.Alert.raised_at)))
        return render_template(
            "window/case.html",
            case=case,
            steps=steps,
            people=people,
            alerts=alerts,
            names=_names(session, [case]),
            clock=case_clock(session, case, steps, utcnow()),
            status_label=STATUS,
            step_choices=STEPS_AFTER_ACCEPTANCE,
            places=_places(session),
            form=form,
            errors=errors,
            refused=refused,
            new=request.args.get("new") == "1",
            recorded=request.args.get("step"),
        ), status
