"""A department's authorizations (授权书): chief representatives' A/B posts and the government service
department's, each signed record, revocation and the printable letter."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from registry import models as m
import vocab
from registry.services import grants
from web.context import runtime
from web.input_guard import is_id
from web.ui.common import (
    FormErrors,
    RolePages,
    file_with,
    from_now,
    local_input,
    matches,
    not_found,
    paginate_list,
    parse_int,
    parse_time,
    public_url,
    qr_svg,
)
from vocab.clock import utcnow

from web.ui.department import (
    CHIEF_REP_POWERS,
    AuthRow,
    _auth_rows,
    _department,
    _latest_items,
    _people,
    _post_gaps,
    _signed_record,
)

pages = RolePages("department")


# --- authorizations (授权书) ---------------------------------------------------------------------


@pages.get("/dept/<dept>/authorizations")
def dept_auths(dept):
    q, status, post = request.args.get("q", ""), request.args.get("status", ""), request.args.get("post", "")
    with runtime().reading() as session:
        rows = _auth_rows(session, dept)
        shown = [
            r
            for r in rows
            if matches(q, r.grantee_label)
            and (not status or r.status == status)
            and (not post or (post == "gov" and r.a.grantee_gov_service) or r.a.post == post)
        ]
        return render_template(
            "dept/auths.html",
            dept=dept,
            page=paginate_list(shown),
            q=q,
            status=status,
            post=post,
            gaps=_post_gaps(rows),
        )


def _auth_form_context(session, dept: str) -> dict[str, Any]:
    rows = _auth_rows(session, dept)
    return {
        "people": _people(session, dept),
        "items": _latest_items(session, dept),
        "a_grants": [r for r in rows if r.a.post == "A" and r.status in ("valid", "pending")],
        "chief_powers": CHIEF_REP_POWERS,
    }


def _auth_defaults(gov: bool) -> dict[str, Any]:
    from werkzeug.datastructures import MultiDict

    minimum = vocab.GOV_SERVICE_MINIMUM if gov else vocab.CHIEF_REP_MINIMUM
    return MultiDict(
        [("items_scope", "*"), ("post", "A"), ("valid_from", local_input(utcnow()))] + [("powers", p) for p in minimum]
    )


def _render_auth_form(dept, form, errors, gov, status=200):
    with runtime().reading() as session:
        return render_template(
            "dept/auth_form.html", dept=dept, form=form, errors=errors, gov=gov, **_auth_form_context(session, dept)
        ), status


@pages.route("/dept/<dept>/authorizations/new", methods=["GET", "POST"])
def dept_auth_new(dept):
    return _auth_new(dept, gov=False)


@pages.route("/dept/<dept>/authorizations/new-gov-service", methods=["GET", "POST"])
def dept_auth_new_gov(dept):
    return _auth_new(dept, gov=True)


def _auth_new(dept: str, gov: bool):
    if request.method == "GET":
        return _render_auth_form(dept, _auth_defaults(gov), FormErrors(), gov)
    form = request.form
    errors = FormErrors()
    data: dict[str, Any] = {"grantor": dept, "powers": form.getlist("powers")}
    if gov:
        data["grantee"], data["post"], data["backs"] = {"gov_service": True}, None, None
    else:
        data["grantee"] = {"person": parse_int(form.get("grantee_person"), "grantee.person", errors)}
        post = form.get("post") or None
        data["post"] = post
        backs = form.get("backs") or ""
        data["backs"] = int(backs) if post == "B" and is_id(backs) else None
    data["items"] = "*" if form.get("items_scope", "*") == "*" else form.getlist("items")
    data["valid_from"] = parse_time(form.get("valid_from"), "valid_from", errors)
    data["valid_to"] = parse_time(form.get("valid_to"), "valid_to", errors)
    if errors:
        return _render_auth_form(dept, form, errors, gov, 422)

    def action(ctx):
        a = grants.file_authorization(ctx, from_now(ctx, data, "valid_from"))
        return a.id, a.log_index, list(a.powers)

    result, errors = file_with(action)
    if errors:
        return _render_auth_form(dept, form, errors, gov, 422)
    auth_id, log_index, powers = result
    minimum = vocab.GOV_SERVICE_MINIMUM if gov else vocab.CHIEF_REP_MINIMUM
    missing = [vocab.ACTIONS[p] for p in minimum if p not in powers]
    if missing:
        flash(
            "授权少于 XT-3.3.3 的最低授权（缺：" + "、".join(missing) + "），已登记，"
            "将在合规报告中列为“授权不到位”（XT-5.3）",
            "warn",
        )
    flash(f"授权书 #{auth_id} 已签名并记入日志（序号 {log_index}）", "ok")
    return redirect(url_for("ui.dept.dept_auth", dept=dept, auth_id=auth_id, filed=1))


def _one_auth(session, dept: str, auth_id: int) -> AuthRow | None:
    a = session.get(m.Authorization, auth_id)
    if a is None or a.grantor != dept:
        return None
    return next((r for r in _auth_rows(session, dept) if r.a.id == auth_id), None)


@pages.get("/dept/<dept>/authorizations/<int:auth_id>")
def dept_auth(dept, auth_id):
    def page(session, row):
        backed_by = [r for r in _auth_rows(session, dept) if r.a.backs == auth_id]
        items = {i.code: i.name for i in _latest_items(session, dept)}
        return render_template(
            "dept/auth.html",
            dept=dept,
            row=row,
            backed_by=backed_by,
            items=items,
            signed=_signed_record(session, row.a.log_index),
            rev_signed=_signed_record(session, row.rev.log_index) if row.rev else None,
            just_filed=request.args.get("filed") == "1",
        )

    return _auth_page(dept, auth_id, page)


def _auth_page(dept: str, auth_id: int, page):
    """`page(session, row)` for one of the department's authorizations; 404 if it has no such one."""
    with runtime().reading() as session:
        row = _one_auth(session, dept, auth_id)
        if row is None:
            return not_found(f"本部门没有授权 #{auth_id}")
        return page(session, row)


@pages.route("/dept/<dept>/authorizations/<int:auth_id>/revoke", methods=["GET", "POST"])
def dept_auth_revoke(dept, auth_id):
    with runtime().reading() as session:
        row = _one_auth(session, dept, auth_id)
        if row is None:
            return not_found(f"本部门没有授权 #{auth_id}")
        backed_by = [r for r in _auth_rows(session, dept) if r.a.backs == auth_id and r.status == "valid"]

    def render(form, errors, status=200):
        return render_template(
            "dept/revoke.html", dept=dept, row=row, backed_by=backed_by, form=form, errors=errors
        ), status

    if request.method == "GET":
        return render({"at": local_input(utcnow())}, FormErrors())
    form = request.form
    errors = FormErrors()
    at = parse_time(form.get("at"), "at", errors)
    reason = (form.get("reason") or "").strip()
    if errors:
        return render(form, errors, 422)
    result, errors = file_with(lambda ctx: _revoke(ctx, auth_id, at or ctx.now, reason))
    if errors:
        return render(form, errors, 422)
    flash(f"授权 #{auth_id} 已撤销，撤销记录已签名并记入日志（序号 {result[0]}，记录哈希 {result[1][:16]}…）", "ok")
    return redirect(url_for("ui.dept.dept_auth", dept=dept, auth_id=auth_id))


def _revoke(ctx, auth_id, at, reason):
    rev = grants.revoke_authorization(ctx, auth_id, at, reason)
    return rev.log_index, rev.record_hash or ""


@pages.get("/dept/<dept>/authorizations/<int:auth_id>/letter")
def dept_auth_letter(dept, auth_id):
    def page(session, row):
        d = _department(session, dept)
        items = {i.code: i.name for i in _latest_items(session, dept)}
        target = public_url("ui.verify_hash", leaf_hash=row.a.record_hash) if row.a.record_hash else None
        return render_template(
            "dept/letter.html", dept=dept, d=d, row=row, items=items, qr=qr_svg(target) if target else None
        )

    return _auth_page(dept, auth_id, page)
