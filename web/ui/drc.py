"""The development and reform commission's workspace (role `drc`): fee items to review —
basis and standard (收费清单, XT-4.2)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from registry import models as m
from registry.services import catalog
from registry.services.catalog import published_items
from web.context import runtime
from web.ui.common import FormErrors, RolePages, file_with, matches, paginate_list

pages = RolePages("drc")


def _fee_rows(session, q: str, state: str):
    reviews: dict[tuple[str, str], m.FeeReview] = {}
    for r in session.scalars(select(m.FeeReview).order_by(m.FeeReview.id)):
        reviews[(r.item, r.fee)] = r
    names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
    rows = []
    for item in published_items(session):
        for fee in item.fees or []:
            review = reviews.get((item.code, fee.get("code")))
            if state == "waiting" and review is not None:
                continue
            if matches(q, item.name, item.code, fee.get("name"), names.get(item.department)):
                rows.append(
                    {
                        "item": item,
                        "fee": fee,
                        "review": review,
                        "department": names.get(item.department, item.department),
                    }
                )
    return rows


@pages.get("/drc/")
def drc_home():
    return _render()


def _render(errors_for=None, errors=None, form=None, status=200):
    q, state = request.args.get("q", ""), request.args.get("state", "waiting")
    with runtime().reading() as session:
        rows = _fee_rows(session, q, state)
        return render_template(
            "drc/home.html",
            page=paginate_list(rows),
            q=q,
            state=state,
            errors_for=errors_for,
            errors=errors or FormErrors(),
            form=form or {},
        ), status


@pages.post("/drc/fees/<item>/<fee>")
def drc_review(item, fee):
    form = request.form
    data = {
        "fee": fee,
        "result": form.get("result") or "",
        "basis_ok": form.get("basis_ok") == "1",
        "standard_ok": form.get("standard_ok") == "1",
        "note": (form.get("note") or "").strip() or None,
    }
    out, errors = file_with(lambda ctx: catalog.review_fee(ctx, item, data).log_index)
    if errors:
        return _render(f"{item}/{fee}", errors, form, 422)
    flash(f"收费项目 {fee}（事项 {item}）审查已登记（日志序号 {out}）", "ok")
    return redirect(url_for("ui.drc.drc_home"))
