"""Home and sign-in pages."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from registry import models as m
from registry.services.accounts import check_password, principal_of
from web.auth import SessionUser
from web.runtime import runtime
from web.ui import bp


@bp.get("/")
def home():
    with runtime().reading() as session:
        counts = {
            "departments": session.scalar(select(func.count()).select_from(m.Department)
                                          .where(m.Department.placeholder.is_(False))),
            "items": session.scalar(select(func.count(func.distinct(m.ItemVersion.code)))
                                    .where(m.ItemVersion.status == "published")),
            "authorizations": session.scalar(select(func.count()).select_from(m.Authorization)),
            "log": session.scalar(select(func.count()).select_from(m.LogEntry)),
        }
    return render_template("home.html", counts=counts)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        name = request.form.get("name", "")
        password = request.form.get("password", "")
        with runtime().filing_session() as session:
            user = check_password(session, name, password)
            principal = principal_of(user) if user else None
        if principal is None:
            flash("用户名或密码不正确", "error")
            return render_template("login.html", name=name), 401
        login_user(SessionUser(principal))
        return redirect(request.args.get("next") or url_for("ui.home"))
    return render_template("login.html", name="")


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("ui.home"))
