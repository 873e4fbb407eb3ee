"""The Flask application factory."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from web import auth
from web.config import Settings
from web.runtime import Runtime

csrf = CSRFProtect()

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'",
}


class OrjsonProvider(DefaultJSONProvider):
    """JSON responses serialized by orjson (about ten times json.dumps: every window's decision
    answer goes through here). The output is what Flask's compact provider writes: UTF-8, keys
    in insertion order, dates and times through Flask's own default (HTTP dates)."""

    ensure_ascii = False
    sort_keys = False
    _OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def response(self, *args: Any, **kwargs: Any):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=self.default, option=self._OPTIONS | orjson.OPT_APPEND_NEWLINE)
        return self._app.response_class(body, mimetype=self.mimetype)


class OnehallFlask(Flask):
    json_provider_class = OrjsonProvider


class SecurityHeaders:
    """WSGI middleware adding SECURITY_HEADERS to every response that lacks them.

    At the WSGI layer the check is one pass over a plain list; the same in an after_request
    hook costs four scans of werkzeug's Headers, on every window's decision request.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self._missing = [(k.lower(), k, v) for k, v in SECURITY_HEADERS.items()]

    def __call__(self, environ: dict, start_response: Any):
        def start(status: str, headers: list, exc_info: Any = None):
            present = {name.lower() for name, _ in headers}
            headers.extend((k, v) for low, k, v in self._missing if low not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


class CookieSessionWhenPresent(SecureCookieSessionInterface):
    """The signed-cookie session, built only for requests that send a cookie.

    API clients authenticate by bearer token and send none: they get an empty session without
    a signing serializer being made, and an untouched empty session writes no cookie.
    """

    def open_session(self, app: Flask, request: Any):
        if "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if not session and not session.modified:
            # A bearer-token answer is not stored by shared caches (RFC 9111 §3.5), so it needs
            # no "Vary: Cookie"; anything else that looked at the session does.
            if session.accessed and not request.environ.get("HTTP_AUTHORIZATION"):
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


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
        # CSRF is checked where forms are: every unsafe request to the pages' blueprint (below).
        # The API authenticates by bearer token and accepts only JSON bodies, which a
        # cross-site form cannot send.
        WTF_CSRF_CHECK_DEFAULT=False,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    app.session_interface = CookieSessionWhenPresent()
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    runtime = Runtime.create(settings)
    app.extensions["onehall"] = runtime
    token_cache = auth.TokenCache()
    auth.install(app, runtime)
    csrf.init_app(app)

    from web.api import (  # noqa: F401  (routes register on import)
        analysis_views, case_views, decision_views, finding_views, log_views, oversight_views, plan_views,
        registry_views,
        system_views,
    )
    from web.api.routing import bp as api_bp
    from web.ui import bp as ui_bp
    app.register_blueprint(api_bp)
    app.register_blueprint(ui_bp)

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
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # pragma: no cover - last resort
        app.logger.exception("unhandled error")
        if wants_problem():
            return problem(500, "服务器内部错误", "请求未完成，未写入任何数据")
        return "服务器内部错误", 500
