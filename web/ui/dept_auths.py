"""A department's authorizations (授权书): chief representatives' A/B posts and the government service
department's, each signed record, revocation and the printable letter."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from registry import models as m
import vocab
from registry.inputs.filings import AuthorizationIn, RevocationIn
from registry.services import grants
from web.context import runtime
from web.ui.common import FormErrors, RolePages, file_with, local_input, matches, not_found, public_url, qr_svg
from vocab.clock import utcnow

from web.ui.forms import form_fields, form_id, read_form, take_form
from web.ui.department import (
    dept_list,
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
        return dept_list("dept/auths.html", dept, shown, q=q, status=status, post=post, gaps=_post_gaps(rows))


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
    body, errors = read_form(AuthorizationIn, _auth_fields(form, dept, gov))
    if body is not None:
        result, errors = file_with(lambda ctx: _file_auth(ctx, body))
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


def _auth_fields(form, dept: str, gov: bool) -> dict[str, Any]:
    """The authorization form's fields as AuthorizationIn names them (a person's grant or the
    government service department's; `backs` only for a B post)."""
    data = {**form_fields(AuthorizationIn, form), "grantor": dept}
    if gov:
        return {**data, "grantee": {"gov_service": True}}
    post, person = form.get("post") or None, form_id(form.get("grantee_person"))
    backs = form_id(form.get("backs")) if post == "B" else None
    return {**data, "grantee": None if person is None else {"person": person}, "post": post, "backs": backs}


def _file_auth(ctx, body: AuthorizationIn) -> tuple[int, int, list[str]]:
    a = grants.file_authorization(ctx, body)
    return a.id, a.log_index, list(a.powers)


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

    def revoke(ctx, body: RevocationIn) -> str:
        rev = grants.revoke_authorization(ctx, auth_id, body)
        hash_start = (rev.record_hash or "")[:16]
        return f"授权 #{auth_id} 已撤销，撤销记录已签名并记入日志（序号 {rev.log_index}，记录哈希 {hash_start}…）"

    to = url_for("ui.dept.dept_auth", dept=dept, auth_id=auth_id)
    posted = take_form(RevocationIn, revoke, to)
    if posted.response is not None:
        return posted.response
    form = posted.shown({"at": local_input(utcnow())})
    html = render_template("dept/revoke.html", dept=dept, row=row, backed_by=backed_by, form=form, errors=posted.errors)
    return html, posted.status


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
