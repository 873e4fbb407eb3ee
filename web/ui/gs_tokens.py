"""The service department's token register (docs/design.md §12.4): every account's API tokens, when
they expire, and a button to revoke one (every worker refuses it within a second)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from registry.models import User
from registry.services import tokens
from web.context import runtime
from web.ui.common import RolePages, paginate_list

pages = RolePages("gov_service")

STATES = {"active": "有效", "revoked": "已撤销", "expired": "已过期"}


@pages.get("/gs/tokens")
def gs_tokens():
    show = request.args.get("show", "active")
    with runtime().reading() as session:
        rows = tokens.list_tokens(session, include_ended=show == "all")
    return render_template("gs/tokens.html", page=paginate_list(rows), states=STATES, show=show)


@pages.post("/gs/tokens/<int:token_id>/revoke")
def gs_token_revoke(token_id: int):
    with runtime().filing_session() as session:  # a refusal: a flash on this page (web.ui.errors)
        row = tokens.revoke_token_id(session, token_id, by=session.get(User, g.principal.user_id))
    flash(f"已撤销用户“{row.user}”的令牌 #{row.id}", "ok")
    return redirect(url_for("ui.gs.gs_tokens"))
