"""The development and reform commission's workspace (role `drc`): fee items to review —
basis and standard (收费清单, XT-4.2)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from sqlalchemy import select

from registry import models as m
from registry.inputs.filings import FeeReviewIn
from registry.services import catalog
from registry.services.catalog import published_items
from web.context import runtime
from web.ui.common import RolePages, matches, paginate_list
from web.ui.forms import Posted, form_fields, not_posted, take_form

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


def _render(posted: Posted | None = None, errors_for: str | None = None):
    posted = posted or not_posted()
    q, state = request.args.get("q", ""), request.args.get("state", "waiting")
    with runtime().reading() as session:
        rows = _fee_rows(session, q, state)
        return render_template(
            "drc/home.html", page=paginate_list(rows), q=q, state=state, **posted.in_row(errors_for)
        ), posted.status


@pages.post("/drc/fees/<item>/<fee>")
def drc_review(item, fee):
    def review(ctx, body: FeeReviewIn) -> str:
        row = catalog.review_fee(ctx, item, body)
        return f"收费项目 {fee}（事项 {item}）审查已登记（日志序号 {row.log_index}）"

    def read(form) -> dict[str, Any]:
        return {**form_fields(FeeReviewIn, form), "fee": fee}

    posted = take_form(FeeReviewIn, review, url_for("ui.drc.drc_home"), read)
    return posted.response or _render(posted, f"{item}/{fee}")
