"""The Flask application factory."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from web import auth, deployment, input_guard, jsonlog
from web.api.fastpath import DecisionFastPath
from application.config import Settings
from application.runtime import Runtime
from web.wsgi_layer import CookieSessionWhenPresent, OnehallFlask, SecurityHeaders

csrf = CSRFProtect()


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or Settings.from_env(**overrides)
    app = OnehallFlask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        JSON_AS_ASCII=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        REMEMBER_COOKIE_DURATION=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=None,
        # CSRF is checked where forms are: every unsafe request to the pages' blueprint (web.ui).
        # The API authenticates by bearer token and accepts only JSON bodies, which a
        # cross-site form cannot send.
        WTF_CSRF_CHECK_DEFAULT=False,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        # The address citizens use (printed receipts, QR codes); empty: the request's own host.
        PUBLIC_URL=settings.public_url or "",
    )
    app.session_interface = CookieSessionWhenPresent()
    runtime = Runtime.create(settings)
    app.extensions["onehall"] = runtime
    token_cache = auth.TokenCache()
    app.wsgi_app = DecisionFastPath(app, SecurityHeaders(app.wsgi_app), runtime=runtime, token_cache=token_cache)
    deployment.install(app, settings)
    app.wsgi_app = jsonlog.RequestLog(app.wsgi_app)  # outermost: every request, the fast path's too
    auth.install(app, runtime)
    csrf.init_app(app)
    input_guard.install(app)  # before the blueprints: their <int:…> routes bind the bounded converter

    from web.api import (  # noqa: F401  (routes register on import)
        analysis_views,
        case_views,
        decision_views,
        finding_views,
        log_views,
        oversight_views,
        plan_views,
        platform_views,
        registry_views,
        grant_views,  # after registry_views: the route table keeps its order
        system_views,
        token_views,
    )
    from web.api.routing import bp as api_bp
    from web.ui import bp as ui_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(ui_bp)
    from web.tiles_views import bp as tiles_bp  # C2SP tlog-tiles at /checkpoint and /tile/

    app.register_blueprint(tiles_bp)

    @app.before_request
    def _who():
        auth.load_principal(runtime, token_cache)

    _install_error_handlers(app)
    return app


def _install_error_handlers(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    from web.api.problems import problem

    def wants_problem() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if wants_problem():
            return problem(exc.code or 500, exc.name, exc.description or "")
        if exc.code and exc.code >= 400:
            from web.ui.errors import error_page

            return error_page(exc.code)
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # pragma: no cover - last resort
        app.logger.exception("unhandled error")
        if wants_problem():
            return problem(500, "服务器内部错误", "请求未完成，未写入任何数据")
        from web.ui.errors import error_page

        return error_page(500)
