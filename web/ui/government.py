"""The city government's workspace (role `government`): exemptions from entry waiting for a
decision, the sub-halls it retains, and the date 市民之家 opens (docs/design.md §1, XT-3.1, XT-3.3.1)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from registry import models as m
from registry.services import grants, org
from web.context import runtime
from web.ui.common import FormErrors, RolePages, file_with, matches, paginate_list, parse_time, submit
from vocab.clock import as_utc, utcnow

pages = RolePages("government")


def _approval_state(approvals: list[m.HallApproval], now) -> m.HallApproval | None:
    """The approval in force now (the latest filed that covers now)."""
    current = None
    for a in sorted(approvals, key=lambda x: (x.filed_at, x.id)):
        if as_utc(a.valid_from) <= now and (a.valid_to is None or now < as_utc(a.valid_to)):
            current = a
    return current


@pages.get("/gov/")
def gov_home():
    now = utcnow()
    with runtime().reading() as session:
        decided = select(m.ExemptionDecision.exemption)
        waiting = (
            session.scalar(select(func.count()).select_from(m.Exemption).where(m.Exemption.id.not_in(decided))) or 0
        )
        subs = list(session.scalars(select(m.Hall).where(m.Hall.kind == "sub").order_by(m.Hall.code)))
        approvals = list(session.scalars(select(m.HallApproval)))
        unapproved = [h for h in subs if _approval_state([a for a in approvals if a.hall == h.code], now) is None]
        opening = session.scalar(select(m.CitizensHomeOpening).order_by(m.CitizensHomeOpening.id.desc()).limit(1))
        return render_template("gov/home.html", waiting=waiting, subs=subs, unapproved=unapproved, opening=opening)


# --- exemptions (不宜进驻) ---------------------------------------------------------------------


@pages.get("/gov/exemptions")
def gov_exemptions():
    return _render_exemptions()


def _render_exemptions(errors_for: int | None = None, errors: FormErrors | None = None, form=None, status=200):
    state, q = request.args.get("state", "waiting"), request.args.get("q", "")
    with runtime().reading() as session:
        rows = list(session.scalars(select(m.Exemption).order_by(m.Exemption.id.desc())))
        decisions = {d.exemption: d for d in session.scalars(select(m.ExemptionDecision))}
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        items = {}
        for code, name in session.execute(
            select(m.ItemVersion.code, m.ItemVersion.name).order_by(m.ItemVersion.version)
        ):
            items[code] = name
        if state == "waiting":
            rows = [r for r in rows if r.id not in decisions]
        elif state == "decided":
            rows = [r for r in rows if r.id in decisions]
        rows = [r for r in rows if matches(q, items.get(r.item), r.item, names.get(r.department))]
        return render_template(
            "gov/exemptions.html",
            page=paginate_list(rows),
            decisions=decisions,
            names=names,
            items=items,
            state=state,
            q=q,
            errors_for=errors_for,
            errors=errors or FormErrors(),
            form=form or {},
        ), status


@pages.post("/gov/exemptions/<int:exemption_id>/decide")
def gov_exemption_decide(exemption_id):
    form = request.form
    result, document_no = form.get("result") or "", (form.get("document_no") or "").strip()
    out, errors = file_with(lambda ctx: grants.decide_exemption(ctx, exemption_id, result, document_no).log_index)
    if errors:
        return _render_exemptions(exemption_id, errors, form, 422)
    flash(
        f"不宜进驻申请 #{exemption_id} 已{'批准' if result == 'approved' else '不予批准'}（{document_no}，日志序号 {out}）",
        "ok",
    )
    return redirect(url_for("ui.gov.gov_exemptions", state=request.args.get("state", "waiting")))


# --- sub-halls (专业分厅) -----------------------------------------------------------------------


@pages.route("/gov/halls", methods=["GET", "POST"])
def gov_halls():
    form, errors, status = {}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {
            "hall": form.get("hall") or "",
            "document_no": (form.get("document_no") or "").strip() or None,
            "valid_from": parse_time(form.get("valid_from"), "valid_from", errors, required=True),
            "valid_to": parse_time(form.get("valid_to"), "valid_to", errors),
        }
        if not data["hall"]:
            errors.add("hall", "请选择专业分厅")
        done, errors = submit(
            errors,
            lambda ctx: org.file_hall_approval(ctx, data).log_index,
            lambda out: f"已批准保留专业分厅 {data['hall']}（日志序号 {out}）",
            url_for("ui.gov.gov_halls"),
        )
        if done is not None:
            return done
        status = 422
    now = utcnow()
    with runtime().reading() as session:
        halls = list(session.scalars(select(m.Hall).order_by(m.Hall.kind, m.Hall.code)))
        approvals = list(session.scalars(select(m.HallApproval).order_by(m.HallApproval.id.desc())))
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        current = {h.code: _approval_state([a for a in approvals if a.hall == h.code], now) for h in halls}
        return render_template(
            "gov/halls.html", halls=halls, approvals=approvals, current=current, names=names, form=form, errors=errors
        ), status


# --- 市民之家 opening ------------------------------------------------------------------------------


@pages.route("/gov/opening", methods=["GET", "POST"])
def gov_opening():
    form, errors, status = {}, FormErrors(), 200
    if request.method == "POST":
        form = request.form
        data = {
            "date": parse_time(form.get("date"), "date", errors, required=True),
            "document_no": (form.get("document_no") or "").strip() or None,
        }
        done, errors = submit(
            errors,
            lambda ctx: org.file_citizens_home_opening(ctx, data).log_index,
            lambda out: f"市民之家启用日期已登记（日志序号 {out}）",
            url_for("ui.gov.gov_opening"),
        )
        if done is not None:
            return done
        status = 422
    with runtime().reading() as session:
        rows = list(session.scalars(select(m.CitizensHomeOpening).order_by(m.CitizensHomeOpening.id.desc())))
        return render_template(
            "gov/opening.html", rows=rows, current=rows[0] if rows else None, form=form, errors=errors
        ), status
