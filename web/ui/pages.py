"""Sign-in, sign-out and the home page that sends each role to its workspace."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from application import limits
from registry.services.accounts import check_password, end_session, principal_of, start_session
from web.auth import SessionUser
from web.context import runtime
from web.ui import bp
from web.ui.common import client_address, home_url


@bp.get("/")
def home():
    principal = getattr(g, "principal", None)
    if principal is None:
        return redirect(url_for("ui.login"))
    return redirect(home_url(principal))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host): never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask /favicon.ico whatever the page says: the same icon (SVG)."""
    return bp.send_static_file("favicon.svg")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", name="", error=None)
    name = (request.form.get("name") or "").strip()
    password = request.form.get("password") or ""
    address = client_address()
    wait = limits.login_attempt(runtime(), address, name)
    if wait:
        minutes = max(1, int(wait // 60) + (1 if wait % 60 else 0))
        return (
            render_template(
                "error.html",
                title="尝试次数过多",
                status=429,
                message=f"本机登录失败次数过多，请约{minutes}分钟后再试。",
            ),
            429,
            {"Retry-After": str(math.ceil(wait))},
        )
    with runtime().filing_session() as session:
        user = check_password(session, name, password) if name and password else None
        principal = principal_of(user) if user else None
        sid = start_session(session, user) if user else None
    if principal is None:
        return render_template("login.html", name=name, error="用户名或密码不正确"), 401
    limits.login_succeeded(runtime(), address, name)
    login_user(SessionUser(principal, sid))
    g.principal = principal
    return redirect(_safe_next(request.args.get("next")) or home_url(principal))


@bp.post("/logout")
def logout():
    """Ends the session on the server too: a copy of the cookie no longer signs anyone in."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if isinstance(user, SessionUser):
        with runtime().filing_session() as session:
            end_session(session, user.sid)
    logout_user()
    return redirect(url_for("ui.login"))


@bp.app_errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    if request.path.startswith("/api/"):
        from web.api.problems import problem

        return problem(400, "CSRF 校验失败", exc.description or "")
    return render_template(
        "error.html",
        title="表单已失效",
        status=400,
        message="表单已过期或来源不明（CSRF 校验未通过），请返回上一页刷新后重新提交。",
    ), 400
